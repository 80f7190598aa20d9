"""Help for the debtor: circumstances, messages, contact preferences."""
