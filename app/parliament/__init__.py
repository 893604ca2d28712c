"""Parliament's state: while it is dissolved for a general election there
are no MPs, so letters wait, and go to the new MP only if their writers
confirm again once the new MPs are loaded."""
