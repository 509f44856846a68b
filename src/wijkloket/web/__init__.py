"""The web door (issue 11): FastAPI on uvicorn, pages rendered on the server with Jinja2 that work without
JavaScript. `app.create_app` builds the app; `respondent`, `staff`, `dashboard` and `api` hold the routes;
`render` the templates and texts; `security` sessions, CSRF, throttling and the security headers."""
