"""Fixes for findings: AWS CLI, CloudFormation and Terraform, with the commands that check and verify them,
built in one pass over the findings of a role pair (see plan.py)."""
