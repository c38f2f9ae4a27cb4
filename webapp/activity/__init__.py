"""The lasting record of who did what: every action, login and account change is written to the
log (``log``) as it happens and settled when it ends; the Activity page searches it (``search``,
``views``), and each model's page shows its recent entries."""
