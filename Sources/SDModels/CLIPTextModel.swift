/// Tokenizer and networks.
