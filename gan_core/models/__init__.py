"""Models: the toy and MNIST MLPs (``mlp``), the DCGAN nets (``dcgan``) and BEGAN's
autoencoder nets (``began``)."""
