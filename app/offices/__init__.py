"""MPs' offices: how an office receives a campaign's letters, one by one or
as one email a day (a digest it chooses from a link in any letter)."""
