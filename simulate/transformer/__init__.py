"""What the four small-transformer claims share, outside the claims registry: the scale ladder (``ladder``), the
pretrained language models the fine-tuning claims start from (``pretrained``), the trained gate and intervals
(``gate``), tuned training (``tuning``), the shared figures (``figures``) and the helpers that render notes from rows
(``notes``)."""
