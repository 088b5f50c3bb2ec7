"""The default corpus: two news articles (January 2022), shipped as package data."""
