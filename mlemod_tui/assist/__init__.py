"""Where repair proposals come from: the offline erosion rules (``assist.rules``) today.

Headless like the core: nothing here imports Textual, so the rule engine runs in the
``scan`` command, the headless runner and tests alike.
"""
