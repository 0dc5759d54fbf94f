"""Stage 1, extract: a case's sources become findings with stable ids, locators, statements and polarity.
Documents in, rows out; coding and synthesis come later."""
