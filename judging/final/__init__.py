"""The final: ballots, their aggregation (Schulze, Bradley-Terry) and the award ladder."""
