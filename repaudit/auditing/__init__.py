"""The audit engine: community models, indicators, statistics, rankings of schools, trusts and areas."""
