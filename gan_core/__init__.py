"""gan_core: the small library behind the book's chapters.

Grouped by job, in the order the data flow: ``data`` (toy mixtures, image data sets,
rendered glyphs), ``models`` (MLP, DCGAN, BEGAN, LSGAN), ``training`` (the loop,
losses, callbacks, checkpoints), ``evaluation`` (closed-form theory, probes, mode
coverage, Parzen likelihood, image metrics), ``experiments`` and ``image_studies``
(multi-seed toy and image studies), ``run`` (image models from the command line,
also under torchrun) and ``figures`` (plots and widgets); beneath them ``config``,
``checks``, ``files``, ``registry``, ``batches`` (labelled batches for conditional
GANs) and ``workers`` (independent runs side by side).

Importing it has no side effects: nothing is downloaded, seeded or configured.
"""

# the book's version too: CHANGELOG.md, CITATION.cff (tests/test_publishing.py)
__version__ = "0.6.1"
