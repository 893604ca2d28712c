"""Letters: a constituent's letter to their MP, from draft to outcome."""
