# Copy to instance/config.py and adjust. Environment variables override these values.
# DIVERSION_ENV = "production"
# DATABASE_URL = "postgresql://diversion@localhost/diversion"
# SECRET_KEY = "a long random value"   # python -c "import secrets; print(secrets.token_hex(32))"
# PUBLIC_BASE_URL = "https://diversion.example.org"
