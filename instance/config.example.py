# Copy to instance/config.py and adjust. Environment variables override these values.
# DIVERSION_ENV = "production"
# DATABASE_URL = "postgresql://diversion@localhost/diversion"
# SECRET_KEY = "a long random value"   # python -c "import secrets; print(secrets.token_hex(32))"
# PUBLIC_BASE_URL = "https://diversion.example.org"
# ENCRYPTION_KEYS = "newest-fernet-key,older-fernet-key"   # Fernet.generate_key(); newest first
# LOOKUP_HASH_KEY = "another long random value"           # 32+ characters
# SMS_SENDER = "twilio"; TWILIO_ACCOUNT_SID = "AC..."; TWILIO_AUTH_TOKEN = "..."
# TWILIO_MESSAGING_SERVICE_SID = "MG..."
# MAIL_SERVER = "smtp.example.org"; MAIL_PORT = 587; MAIL_USE_TLS = True
# MAIL_USERNAME = "..."; MAIL_PASSWORD = "..."; MAIL_FROM = "Diversion <diversion@example.org>"
# RATELIMIT_STORAGE_URI = "redis://localhost:6379/0"
