"""The report to the Meeting of States Parties (`portal report`): counts of a period, no names.

`collect` reads every text of the period from the git history (the edge), `counts` computes the
figures from plain submissions (the core), `render` writes them as Markdown and printable HTML."""
