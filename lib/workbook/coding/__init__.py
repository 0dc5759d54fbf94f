"""Stage 2, code: findings coded against the framework's dimensions, with reasons and confidence.
The rule and learned coders, reviewers' decisions, and agreement between coders."""
