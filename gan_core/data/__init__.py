"""Data: the toy Gaussian mixtures (``mixtures``) and the image data sets
(``images``)."""
