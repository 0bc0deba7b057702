using Microsoft.Extensions.Configuration;
using Npgsql;
using Speaking.Infrastructure.Configuration;

namespace Speaking.UnitTests.Infrastructure;

public class DatabaseUrlTests
{
    private static NpgsqlConnectionStringBuilder Parse(string url) => new(DatabaseUrl.ToConnectionString(url));

    [Theory]
    [InlineData("postgres://ann:secret@db.example.com:6543/speaking")]
    [InlineData("postgresql://ann:secret@db.example.com:6543/speaking")]
    [InlineData("postgresql+asyncpg://ann:secret@db.example.com:6543/speaking")]
    public void ToConnectionString_AcceptsEveryUrlScheme(string url)
    {
        var builder = Parse(url);

        builder.Host.ShouldBe("db.example.com");
        builder.Port.ShouldBe(6543);
        builder.Username.ShouldBe("ann");
        builder.Password.ShouldBe("secret");
        builder.Database.ShouldBe("speaking");
    }

    [Fact]
    public void ToConnectionString_PercentDecodesUserAndPassword()
    {
        var builder = Parse("postgresql://app%2Buser:p%40ss%3Aword@localhost/db");

        builder.Username.ShouldBe("app+user");
        builder.Password.ShouldBe("p@ss:word");
    }

    [Fact]
    public void ToConnectionString_DefaultsThePortTo5432()
    {
        var builder = Parse("postgres://ann:secret@db.example.com/speaking");

        builder.Port.ShouldBe(5432);
        builder.Database.ShouldBe("speaking");
    }

    [Theory]
    [InlineData("require", SslMode.Require)]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    public void ToConnectionString_MapsSslMode(string sslmode, SslMode expected) =>
        Parse($"postgres://ann:secret@db.example.com/speaking?sslmode={sslmode}").SslMode.ShouldBe(expected);

    [Fact]
    public void ToConnectionString_AcceptsANativeConnectionString()
    {
        var builder = Parse("Host=db.example.com;Port=5433;Username=ann;Password=secret;Database=speaking");

        builder.Host.ShouldBe("db.example.com");
        builder.Port.ShouldBe(5433);
        builder.Username.ShouldBe("ann");
        builder.Database.ShouldBe("speaking");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("mysql://ann@host/db")]
    [InlineData("postgres://")]
    [InlineData("postgres://ann:secret@db.example.com/speaking?sslmode=sometimes")]
    [InlineData("NoSuchKeyword=1")]
    public void ToConnectionString_RefusesGarbage(string value) =>
        Should.Throw<FormatException>(() => DatabaseUrl.ToConnectionString(value));
}

public class CorsOriginsTests
{
    [Theory]
    [InlineData("http://localhost:3000,http://127.0.0.1:3000")]
    [InlineData(" http://localhost:3000/ , http://127.0.0.1:3000 ,, ")]
    [InlineData("""["http://localhost:3000","http://127.0.0.1:3000"]""")]
    [InlineData("""  [ "http://localhost:3000/", " http://127.0.0.1:3000" ]  """)]
    public void Parse_AcceptsTheCommaAndJsonListForms(string value) =>
        CorsOrigins.Parse(value).ShouldBe(["http://localhost:3000", "http://127.0.0.1:3000"]);

    [Fact]
    public void Parse_KeepsAStar() => CorsOrigins.Parse(" * ").ShouldBe(["*"]);

    [Fact]
    public void Parse_RefusesABrokenJsonList() => Should.Throw<FormatException>(() => CorsOrigins.Parse("[\"http://a.example"));
}

public class SpeakingSettingsTests
{
    private static SpeakingSettings From(params (string Key, string? Value)[] values) =>
        SpeakingSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    [Fact]
    public void From_UsesTheOriginalDefaults()
    {
        var settings = From();

        settings.AppName.ShouldBe("IELTS Speaking Partner");
        settings.Debug.ShouldBeFalse();
        settings.DatabaseConnectionString.ShouldBeNull();
        settings.SecretKey.ShouldBeNull();
        settings.Algorithm.ShouldBe("HS256");
        settings.AccessTokenExpireMinutes.ShouldBe(1440);
        settings.RouletteIntervalSeconds.ShouldBe(20);
        settings.CorsOrigins.ShouldBe(["http://localhost:3000", "http://127.0.0.1:3000"]);
        settings.Port.ShouldBe(8000);
        settings.SessionReconnectGraceSeconds.ShouldBe(20);
        settings.MatchRequiresConnection.ShouldBeTrue();
        settings.PartnerRequestCooldownHours.ShouldBe(24);
    }

    [Theory]
    [InlineData("0", "must be at least 1")]
    [InlineData("-5", "must be at least 1")]
    [InlineData("abc", "must be a whole number")]
    [InlineData("1.5", "must be a whole number")]
    public void From_RefusesABadRouletteInterval(string value, string problem)
    {
        var error = Should.Throw<ConfigurationProblem>(() => From(("ROULETTE_INTERVAL_SECONDS", value)));

        error.Variable.ShouldBe("ROULETTE_INTERVAL_SECONDS");
        error.Message.ShouldContain("ROULETTE_INTERVAL_SECONDS");
        error.Message.ShouldContain(problem);
    }

    [Fact]
    public void From_ReadsAValidInterval() => From(("ROULETTE_INTERVAL_SECONDS", " 5 ")).RouletteIntervalSeconds.ShouldBe(5);

    [Fact]
    public void From_FallsBackToJwtSecretWhenSecretKeyIsMissing() =>
        From(("JWT_SECRET", "from-blueprint")).SecretKey.ShouldBe("from-blueprint");

    [Fact]
    public void From_PrefersSecretKeyOverJwtSecret() =>
        From(("SECRET_KEY", "primary"), ("JWT_SECRET", "fallback")).SecretKey.ShouldBe("primary");

    [Fact]
    public void From_TreatsAnEmptySecretKeyAsMissing() =>
        From(("SECRET_KEY", ""), ("JWT_SECRET", "fallback")).SecretKey.ShouldBe("fallback");

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("yes", true)]
    [InlineData("On", true)]
    [InlineData("t", true)]
    [InlineData("y", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    [InlineData("off", false)]
    [InlineData("F", false)]
    [InlineData("n", false)]
    public void From_ReadsEveryBooleanForm(string value, bool expected) => From(("DEBUG", value)).Debug.ShouldBe(expected);

    [Fact]
    public void From_RefusesAnUnreadableBoolean()
    {
        var error = Should.Throw<ConfigurationProblem>(() => From(("DEBUG", "sometimes")));

        error.Message.ShouldContain("DEBUG");
    }

    [Fact]
    public void From_TranslatesDatabaseUrl() =>
        new NpgsqlConnectionStringBuilder(From(("DATABASE_URL", "postgres://u:p@h:1234/d")).DatabaseConnectionString).Port.ShouldBe(1234);

    [Fact]
    public void From_NamesDatabaseUrlWhenItIsGarbage() =>
        Should.Throw<ConfigurationProblem>(() => From(("DATABASE_URL", "garbage"))).Message.ShouldContain("DATABASE_URL");

    [Fact]
    public void From_ParsesTheCorsJsonList() =>
        From(("CORS_ORIGINS", """["https://app.example.com/"]""")).CorsOrigins.ShouldBe(["https://app.example.com"]);

    [Fact]
    public void From_RefusesAnUnsupportedAlgorithm() =>
        Should.Throw<ConfigurationProblem>(() => From(("ALGORITHM", "none"))).Variable.ShouldBe("ALGORITHM");
}

public sealed class DotEnvFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"speaking-{Guid.NewGuid():N}.env");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Read_HandlesCommentsQuotesExportAndUnknownKeys()
    {
        File.WriteAllText(_path, """
            # a comment
            SECRET_KEY="quoted value # not a comment"
            export ROULETTE_INTERVAL_SECONDS=5
            cors_origins='["http://localhost:3000"]'
            SOMETHING_UNKNOWN=kept
            DEBUG=true # trailing comment

            not a pair
            """);

        var values = DotEnvFile.Read(_path);

        values["SECRET_KEY"].ShouldBe("quoted value # not a comment");
        values["ROULETTE_INTERVAL_SECONDS"].ShouldBe("5");
        values["CORS_ORIGINS"].ShouldBe("""["http://localhost:3000"]""");
        values["SOMETHING_UNKNOWN"].ShouldBe("kept");
        values["DEBUG"].ShouldBe("true");
        values.Count.ShouldBe(5);
    }

    [Fact]
    public void Read_AMissingFileGivesNoValues() => DotEnvFile.Read(_path).ShouldBeEmpty();
}
