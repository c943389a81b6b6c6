"""Measuring what a trained model makes: metrics, feature networks, analyses and the HTML report."""
