"""The obsidian-spaced-repetition (SR) plugin's view of a vault.

- :mod:`.settings`: the plugin's ``data.json`` (separators, tags, base ease, ...);
- :mod:`.cards`: which notes hold flashcards and where the cards are, found the
  way the plugin finds them, quirks included (reference section B2-B3);
- :mod:`.schedule`: ``<!--SR:...-->`` schedule comments and the note-review
  frontmatter (``sr-due``, ``sr-interval``, ``sr-ease``), sections B4-B6.

Everything here is pure and never raises on any note text.
"""
