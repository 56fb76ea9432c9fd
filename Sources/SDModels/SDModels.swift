/// Tokenizer, text encoders, U-Net and VAE.
