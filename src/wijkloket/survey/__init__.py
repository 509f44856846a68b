"""The needs survey (question 7): the questionnaire as data (`questionnaire`), its design and results."""
