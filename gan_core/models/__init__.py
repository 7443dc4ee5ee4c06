"""Models: the toy and MNIST MLPs (``mlp``), the DCGAN nets (``dcgan``), BEGAN's
autoencoder nets (``began``) and the LSGAN paper's scene and conditional nets
(``lsgan``)."""
