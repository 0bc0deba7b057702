using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Speaking.Infrastructure.Configuration;

/// <summary>A configuration value that cannot be used; the message names the variable and says what is wrong.</summary>
public sealed class ConfigurationProblem(string variable, string problem) : Exception($"Configuration error: {variable} {problem}")
{
    public string Variable { get; } = variable;
}

/// <summary>
/// Every setting the service reads, with the original's names and defaults (contract section 1), parsed and
/// validated once at start-up. Sources, first wins: process environment, an optional .env file, appsettings.
/// </summary>
public sealed record SpeakingSettings
{
    public string AppName { get; init; } = "IELTS Speaking Partner";
    public bool Debug { get; init; }
    /// <summary>Null when DATABASE_URL is not set: the embedded PostgreSQL is used.</summary>
    public string? DatabaseConnectionString { get; init; }
    /// <summary>Null when neither SECRET_KEY nor JWT_SECRET is set: a random key is generated (and kept with embedded data).</summary>
    public string? SecretKey { get; init; }
    public string Algorithm { get; init; } = "HS256";
    public int AccessTokenExpireMinutes { get; init; } = 1440;
    public int RouletteIntervalSeconds { get; init; } = 20;
    public int SessionMinDurationMinutes { get; init; } = 5;
    public int SessionMaxDurationMinutes { get; init; } = 15;
    public IReadOnlyList<string> CorsOrigins { get; init; } = ["http://localhost:3000", "http://127.0.0.1:3000"];
    public int Port { get; init; } = 8000;
    public string LogFormat { get; init; } = "text";
    public int SessionReconnectGraceSeconds { get; init; } = 20;
    public int ResumeCalleeHeadStartMs { get; init; } = 3000;
    public bool MatchRequiresConnection { get; init; } = true;
    public int LoginMaxFailuresPerEmail { get; init; } = 10;
    public int LoginMaxFailuresPerAddress { get; init; } = 100;
    public int LoginFailureWindowSeconds { get; init; } = 300;
    public int RegisterMaxPerAddress { get; init; } = 1000;
    public int RegisterWindowSeconds { get; init; } = 600;
    public int PartnerRequestCooldownHours { get; init; } = 24;
    /// <summary>IELTS practice: feedback, chat retention, LEVEL_SOURCE, the timed script's phase lengths.</summary>
    public PracticeSettings Practice { get; init; } = new();
    public string DataDirectory { get; init; } = ".data";
    public int PasswordHashIterations { get; init; } = 100_000;
    /// <summary>Where Kestrel listens: --urls / ASPNETCORE_URLS / URLS, else HOST:PORT.</summary>
    public ListenAddresses Listen { get; init; } = ListenAddresses.From(null, null, 8000);
    /// <summary>Proxies whose forwarded headers are believed (TRUSTED_PROXIES); empty: none.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];
    /// <summary>The bearer token that opens /metrics (METRICS_TOKEN); null: only direct loopback requests.</summary>
    public string? MetricsToken { get; init; }
    /// <summary>How long a graceful stop may take (DRAIN_SECONDS).</summary>
    public int DrainSeconds { get; init; } = 30;
    /// <summary>MAX_CONNECTIONS: sockets per node (default derived from the open-file limit).</summary>
    public int MaxConnections { get; init; } = Realtime.ConnectionLimits.DefaultMaxConnections();
    public int MaxSocketsPerUser { get; init; } = 5;
    public int MaxSocketsPerAddress { get; init; } = 200;
    /// <summary>NODE_HEARTBEAT_SECONDS: how often presence is reconciled (and, with Redis, how often nodes beat).</summary>
    public int NodeHeartbeatSeconds { get; init; } = 5;
    /// <summary>REDIS_URL: unset → one node, realtime state in memory; set → any number of nodes sharing it through Redis.</summary>
    public StackExchange.Redis.ConfigurationOptions? Redis { get; init; }
    /// <summary>The Quorra module's settings (ROOT_PIN, SYNC_INTERVAL_MINUTES, QUORRA_*).</summary>
    public QuorraSettings Quorra { get; init; } = new();
    /// <summary>TURN credentials (TURN_SECRET, TURN_URLS, STUN_URLS, TURN_TTL_SECONDS, TURN_CREDENTIALS_*).</summary>
    public TurnSettings Turn { get; init; } = new();
    /// <summary>Safety and fair matching: REPORT_*, ADMIN_EMAILS, REPEAT_PARTNER_COOLDOWN_MINUTES, LEVEL_WIDEN_AFTER_SECONDS.</summary>
    public SafetySettings Safety { get; init; } = new();

    public static readonly string[] SupportedAlgorithms = ["HS256", "HS384", "HS512"];

    public static SpeakingSettings From(IConfiguration config)
    {
        string? Get(string name) => config[name] is { } v && v.Length > 0 ? v : null;
        var defaults = new SpeakingSettings();

        var databaseUrl = Get("DATABASE_URL");
        string? connectionString = null;
        if (databaseUrl is not null)
        {
            try
            {
                connectionString = DatabaseUrl.ToConnectionString(databaseUrl);
            }
            catch (FormatException e)
            {
                throw new ConfigurationProblem("DATABASE_URL", $"is not a usable database address: {e.Message}.");
            }
        }

        var algorithm = (Get("ALGORITHM") ?? defaults.Algorithm).ToUpperInvariant();
        if (!SupportedAlgorithms.Contains(algorithm))
            throw new ConfigurationProblem("ALGORITHM", $"must be one of {string.Join(", ", SupportedAlgorithms)} (got '{Get("ALGORITHM")}').");

        IReadOnlyList<string> origins = defaults.CorsOrigins;
        if (Get("CORS_ORIGINS") is { } corsText)
        {
            try
            {
                origins = Configuration.CorsOrigins.Parse(corsText);
            }
            catch (FormatException e)
            {
                throw new ConfigurationProblem("CORS_ORIGINS", $"is not valid: {e.Message}.");
            }
        }

        var logFormat = (Get("LOG_FORMAT") ?? "text").ToLowerInvariant();
        if (logFormat is not ("text" or "json")) throw new ConfigurationProblem("LOG_FORMAT", $"must be 'text' or 'json' (got '{logFormat}').");

        var port = Int(config, "PORT", defaults.Port, min: 0, max: 65535);
        ListenAddresses listen;
        try
        {
            listen = ListenAddresses.From(Get("urls") ?? Get("ASPNETCORE_URLS") ?? Get("URLS"), Get("HOST"), port);
        }
        catch (FormatException e)
        {
            throw new ConfigurationProblem(Get("urls") is not null ? "--urls" : Get("ASPNETCORE_URLS") is not null ? "ASPNETCORE_URLS"
                : Get("URLS") is not null ? "URLS" : "HOST", $"is not valid: {e.Message}.");
        }

        IReadOnlyList<System.Net.IPNetwork> proxies = [];
        if (Get("TRUSTED_PROXIES") is { } proxyText)
        {
            try
            {
                proxies = Configuration.TrustedProxies.Parse(proxyText);
            }
            catch (FormatException e)
            {
                throw new ConfigurationProblem("TRUSTED_PROXIES", $"is not valid: {e.Message}.");
            }
        }

        StackExchange.Redis.ConfigurationOptions? redis = null;
        if (Get("REDIS_URL") is { } redisUrl)
        {
            try
            {
                redis = RedisUrl.Parse(redisUrl);
            }
            catch (FormatException e)
            {
                throw new ConfigurationProblem("REDIS_URL", $"is not a usable Redis address: {e.Message}.");
            }
        }

        return new SpeakingSettings
        {
            AppName = Get("APP_NAME") ?? defaults.AppName,
            Debug = Bool(config, "DEBUG", false),
            DatabaseConnectionString = connectionString,
            SecretKey = Get("SECRET_KEY") ?? Get("JWT_SECRET"),
            Algorithm = algorithm,
            AccessTokenExpireMinutes = Int(config, "ACCESS_TOKEN_EXPIRE_MINUTES", defaults.AccessTokenExpireMinutes, min: 1),
            RouletteIntervalSeconds = Int(config, "ROULETTE_INTERVAL_SECONDS", defaults.RouletteIntervalSeconds, min: 1),
            SessionMinDurationMinutes = Int(config, "SESSION_MIN_DURATION_MINUTES", defaults.SessionMinDurationMinutes, min: 0),
            SessionMaxDurationMinutes = Int(config, "SESSION_MAX_DURATION_MINUTES", defaults.SessionMaxDurationMinutes, min: 0),
            CorsOrigins = origins,
            Port = port,
            Listen = listen,
            TrustedProxies = proxies,
            MetricsToken = Get("METRICS_TOKEN"),
            DrainSeconds = Int(config, "DRAIN_SECONDS", defaults.DrainSeconds, min: 0, max: 3600),
            MaxConnections = Int(config, "MAX_CONNECTIONS", defaults.MaxConnections, min: 1),
            MaxSocketsPerUser = Int(config, "MAX_SOCKETS_PER_USER", defaults.MaxSocketsPerUser, min: 1),
            MaxSocketsPerAddress = Int(config, "MAX_SOCKETS_PER_ADDRESS", defaults.MaxSocketsPerAddress, min: 1),
            NodeHeartbeatSeconds = Int(config, "NODE_HEARTBEAT_SECONDS", defaults.NodeHeartbeatSeconds, min: 1, max: 300),
            Redis = redis,
            LogFormat = logFormat,
            SessionReconnectGraceSeconds = Int(config, "SESSION_RECONNECT_GRACE_SECONDS", defaults.SessionReconnectGraceSeconds, min: 0),
            ResumeCalleeHeadStartMs = Int(config, "RESUME_CALLEE_HEAD_START_MS", defaults.ResumeCalleeHeadStartMs, min: 0, max: 60_000),
            MatchRequiresConnection = Bool(config, "MATCH_REQUIRES_CONNECTION", true),
            LoginMaxFailuresPerEmail = Int(config, "LOGIN_MAX_FAILURES_PER_EMAIL", defaults.LoginMaxFailuresPerEmail, min: 1),
            LoginMaxFailuresPerAddress = Int(config, "LOGIN_MAX_FAILURES_PER_ADDRESS", defaults.LoginMaxFailuresPerAddress, min: 1),
            LoginFailureWindowSeconds = Int(config, "LOGIN_FAILURE_WINDOW_SECONDS", defaults.LoginFailureWindowSeconds, min: 1),
            RegisterMaxPerAddress = Int(config, "REGISTER_MAX_PER_ADDRESS", defaults.RegisterMaxPerAddress, min: 1),
            RegisterWindowSeconds = Int(config, "REGISTER_WINDOW_SECONDS", defaults.RegisterWindowSeconds, min: 1),
            PartnerRequestCooldownHours = Int(config, "PARTNER_REQUEST_COOLDOWN_HOURS", defaults.PartnerRequestCooldownHours, min: 0),
            DataDirectory = Get("SPEAKING_DATA_DIR") ?? defaults.DataDirectory,
            PasswordHashIterations = Int(config, "PASSWORD_HASH_ITERATIONS", defaults.PasswordHashIterations, min: 1000),
            Practice = PracticeSettings.From(config),
            Quorra = QuorraSettings.From(config),
            Turn = TurnSettings.From(config),
            Safety = SafetySettings.From(config),
        };
    }

    internal static int Int(IConfiguration config, string name, int fallback, int min, int max = int.MaxValue)
    {
        var text = config[name];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw new ConfigurationProblem(name, $"must be a whole number (got '{text}').");
        if (value < min || value > max)
            throw new ConfigurationProblem(name, max == int.MaxValue
                ? $"must be at least {min} (got {value})."
                : $"must be between {min} and {max} (got {value}).");
        return value;
    }

    private static bool Bool(IConfiguration config, string name, bool fallback)
    {
        var text = config[name];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return text.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" or "t" or "y" => true,
            "false" or "0" or "no" or "off" or "f" or "n" => false,
            _ => throw new ConfigurationProblem(name, $"must be a boolean: true/false, 1/0, yes/no, on/off (got '{text}')."),
        };
    }
}
