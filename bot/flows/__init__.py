"""Slack-side work shared by listeners and jobs, outside any one request: the scheduled jobs
and delivery engines (meetings, elections, questions, nomination messages) and the forms
opened from several places. They call services for every rule and bot/deliver.py for every
post; no listener is registered here (that is handlers/)."""
