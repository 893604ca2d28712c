"""Did your MP reply? A question to each writer some days after their letter
was delivered, the answers, and how responsive MPs are (WriteToThem's
questionnaire, for campaign letters)."""
