"""Text -> terms: the one normalisation (folding, apostrophes, ligatures), the French analysis
chain, synonyms and the vocabulary of written forms."""
