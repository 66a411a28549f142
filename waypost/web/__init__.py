"""The web shell: the base layout, static files, languages and form protection that every package's pages share."""
