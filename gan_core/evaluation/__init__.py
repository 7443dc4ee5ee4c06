"""Evaluation: the game's quantities in closed form (``theory``), probes of one loss
(``probes``), mode coverage of toy generators (``modes``), Parzen log-likelihood
(``likelihood``) and the classifier-feature image metrics (``image_metrics``)."""
