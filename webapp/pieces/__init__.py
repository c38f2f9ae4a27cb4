"""Pieces OS as the panel knows it, with no views: finding it (``discovery``), talking to its
Model API (``client``: requests -> Pieces OS -> ``Model``), the ``Model`` data type (``model``),
and searching and sorting a list of models (``listing``)."""
