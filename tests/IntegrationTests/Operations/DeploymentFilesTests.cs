using System.Text.RegularExpressions;
using Speaking.Infrastructure.Configuration;
using Speaking.IntegrationTests.Support;
using YamlDotNet.RepresentationModel;

namespace Speaking.IntegrationTests.Operations;

/// <summary>
/// Issue 11: the deployment files, parsed. There is no Docker engine here, so the Dockerfile, the compose file and
/// the Render blueprint are checked as text and YAML (and against each other and the repository); nginx.conf is
/// also checked by nginx itself (and run live in <see cref="NginxTests"/>).
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly int DefaultDrainSeconds = new SpeakingSettings().DrainSeconds;

    private static string Read(string relativePath) => File.ReadAllText(NginxProxy.RepositoryFile(relativePath));

    private static YamlMappingNode Yaml(string relativePath)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Read(relativePath)));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)Child(node, key);

    private static YamlSequenceNode Seq(YamlNode node, string key) => (YamlSequenceNode)Child(node, key);

    private static string Scalar(YamlNode node, string key) => ((YamlScalarNode)Child(node, key)).Value!;

    private static YamlNode Child(YamlNode node, string key)
    {
        var mapping = (YamlMappingNode)node;
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var child).ShouldBeTrue($"'{key}' is missing");
        return child!;
    }

    private static bool Has(YamlNode node, string key) => ((YamlMappingNode)node).Children.ContainsKey(new YamlScalarNode(key));

    private static IEnumerable<string> Scalars(YamlSequenceNode sequence) => sequence.Children.Select(c => ((YamlScalarNode)c).Value!);

    /// <summary>The Dockerfile's instructions: continuation lines joined, comments and blank lines dropped.</summary>
    private static List<(string Instruction, string Arguments)> DockerfileInstructions()
    {
        var joined = Regex.Replace(Read("Dockerfile"), @"\\\r?\n", " ");
        return joined.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l =>
            {
                var parts = l.Split(' ', 2, StringSplitOptions.TrimEntries);
                return (parts[0].ToUpperInvariant(), parts.Length > 1 ? parts[1] : "");
            })
            .ToList();
    }

    /// <summary>The value of a <c>${NAME:-default}</c> interpolation (or a plain value).</summary>
    private static string ComposeDefault(string value) =>
        Regex.Match(value, @"^\$\{\w+:-(?<d>[^}]*)\}$") is { Success: true } m ? m.Groups["d"].Value : value;

    [Fact]
    public void Dockerfile_IsMultiStage_NonRoot_OnPort_WithAHealthCheckOnHealth()
    {
        var instructions = DockerfileInstructions();
        string[] Args(string instruction) => instructions.Where(i => i.Instruction == instruction).Select(i => i.Arguments).ToArray();

        var froms = Args("FROM");
        froms.Length.ShouldBeGreaterThanOrEqualTo(2);
        froms[0].ShouldStartWith("mcr.microsoft.com/dotnet/sdk:10.0");
        var buildStage = froms[0].Split(' ').Last();
        froms[^1].ShouldStartWith("mcr.microsoft.com/dotnet/aspnet:10.0");
        Args("COPY").ShouldContain(c => c.StartsWith($"--from={buildStage} "));

        // Instructions after the last FROM make up the runtime image.
        var runtime = instructions.Skip(instructions.FindLastIndex(i => i.Instruction == "FROM") + 1).ToList();
        var user = runtime.Last(i => i.Instruction == "USER").Arguments;
        user.ShouldNotBeOneOf("root", "0", "0:0", "root:root");
        user.ShouldBeOneOf("app", "$APP_UID", "1654");

        var env = string.Join(' ', runtime.Where(i => i.Instruction == "ENV").Select(i => i.Arguments));
        env.ShouldContain("PORT=8000");
        env.ShouldContain("ASPNETCORE_HTTP_PORTS=\"\"");
        runtime.ShouldContain(("EXPOSE", "8000"));
        runtime.ShouldContain(("STOPSIGNAL", "SIGTERM"));
        var healthcheck = runtime.Single(i => i.Instruction == "HEALTHCHECK").Arguments;
        healthcheck.ShouldContain("CMD ");
        healthcheck.ShouldContain("http://127.0.0.1:${PORT}/health");
        runtime.Single(i => i.Instruction == "ENTRYPOINT").Arguments.ShouldBe("""["dotnet", "Speaking.Api.dll"]""");
    }

    [Fact]
    public void Dockerfile_RestoresFromEveryProjectFileFirst_AndCopiesOnlyWhatTheContextKeeps()
    {
        var instructions = DockerfileInstructions();
        var restore = instructions.FindIndex(i => i.Instruction == "RUN" && i.Arguments.StartsWith("dotnet restore"));
        restore.ShouldBeGreaterThan(0);
        var copiedBeforeRestore = instructions.Take(restore).Where(i => i.Instruction == "COPY")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).ToList();

        // A new project under src/ without its COPY line would break the cached restore layer.
        var root = NginxProxy.RepositoryFile("");
        var projects = Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/')).ToList();
        projects.ShouldNotBeEmpty();
        foreach (var project in projects) copiedBeforeRestore.ShouldContain(project);
        copiedBeforeRestore.ShouldContain("Directory.Packages.props");

        var ignored = Read(".dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.TrimEnd('/')).ToList();
        bool Ignored(string path) => ignored.Any(p => p.StartsWith("**/")
            ? path.Split('/').Contains(p[3..])
            : path == p || path.StartsWith(p + "/"));

        var sources = instructions.Where(i => i.Instruction == "COPY" && !i.Arguments.StartsWith("--from"))
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            .Select(s => s.TrimEnd('/')).ToList();
        foreach (var source in sources)
        {
            Path.Exists(Path.Combine(root, source)).ShouldBeTrue($"COPY {source}: not in the repository");
            Ignored(source).ShouldBeFalse($"COPY {source}: excluded by .dockerignore");
        }

        Ignored("src/Api/bin").ShouldBeTrue();
        Ignored("tests").ShouldBeTrue();
        File.Exists(Path.Combine(root, "deploy", "Dockerfile")).ShouldBeFalse("one Dockerfile, at the repository root");
    }

    [Fact]
    public void Compose_HasPostgres15WithAVolumeAndHealthCheck_TheApi_AndNginxInFront()
    {
        var compose = Yaml("deploy/docker-compose.yml");
        var services = Map(compose, "services");

        var db = Map(services, "db");
        Scalar(db, "image").ShouldStartWith("postgres:15");
        Scalars(Seq(db, "volumes")).ShouldContain("pgdata:/var/lib/postgresql/data");
        Has(Map(compose, "volumes"), "pgdata").ShouldBeTrue();
        Scalars(Seq(Map(db, "healthcheck"), "test")).ShouldContain(t => t.Contains("pg_isready"));

        var api = Map(services, "api");
        var build = Map(api, "build");
        File.Exists(Path.Combine(NginxProxy.RepositoryFile("deploy"), Scalar(build, "context"), Scalar(build, "dockerfile")))
            .ShouldBeTrue("the build context and Dockerfile resolve to the repository's Dockerfile");
        Scalar(Map(Map(api, "depends_on"), "db"), "condition").ShouldBe("service_healthy");
        var env = Map(api, "environment");
        Scalar(env, "DATABASE_URL").ShouldStartWith("postgresql://speaking:");
        Scalar(env, "DATABASE_URL").ShouldEndWith("@db:5432/speaking");
        Scalar(env, "SECRET_KEY").ShouldStartWith("${SECRET_KEY:?");
        Has(env, "JWT_SECRET").ShouldBeFalse();
        Scalar(env, "LOG_FORMAT").ShouldBe("json");
        var drain = int.Parse(ComposeDefault(Scalar(env, "DRAIN_SECONDS")));
        drain.ShouldBe(DefaultDrainSeconds);
        var grace = Scalar(api, "stop_grace_period");
        grace.ShouldEndWith("s");
        int.Parse(grace[..^1]).ShouldBeGreaterThan(drain + 5, "docker must wait longer than the service's own stop deadline");

        var nginx = Map(services, "nginx");
        Scalar(nginx, "image").ShouldStartWith("nginx:");
        Scalars(Seq(nginx, "ports")).ShouldContain("8000:80");
        Scalars(Seq(nginx, "volumes")).ShouldContain("./nginx.conf:/etc/nginx/templates/nginx.conf.template:ro");
        Scalar(Map(Map(nginx, "depends_on"), "api"), "condition").ShouldBe("service_healthy");
        var nginxEnv = Map(nginx, "environment");
        Scalar(nginxEnv, "NGINX_ENVSUBST_OUTPUT_DIR").ShouldBe("/etc/nginx");
        Scalar(nginxEnv, "NGINX_ENVSUBST_FILTER").ShouldBe("SPEAKING_");
        foreach (var variable in NginxProxy.TemplateVariables(Read("deploy/nginx.conf")))
            Has(nginxEnv, variable).ShouldBeTrue($"the nginx template needs {variable}");
        Scalar(nginxEnv, "SPEAKING_LISTEN").ShouldBe("80");
        Scalar(nginxEnv, "SPEAKING_UPSTREAM_SERVERS").ShouldBe($"server api:{Scalar(env, "PORT")};");

        // The API believes forwarded headers from nginx alone, by its fixed address on the shared network.
        var nginxAddress = Scalar(Map(Map(nginx, "networks"), "edge"), "ipv4_address");
        Scalar(env, "TRUSTED_PROXIES").ShouldBe(nginxAddress);
        Scalars(Seq(api, "networks")).ShouldContain("edge");
        var subnet = Scalar((YamlMappingNode)Seq(Map(Map(Map(compose, "networks"), "edge"), "ipam"), "config").Children.Single(), "subnet");
        System.Net.IPNetwork.Parse(subnet).Contains(System.Net.IPAddress.Parse(nginxAddress)).ShouldBeTrue();
        Scalars(Seq(db, "networks")).ShouldNotContain("edge");
    }

    [Fact]
    public void Render_RunsTheDockerImageWithAManagedDatabase_AndGeneratesSecretKey()
    {
        var render = Yaml("deploy/render.yaml");
        var web = (YamlMappingNode)Seq(render, "services").Children.Single();
        Scalar(web, "type").ShouldBe("web");
        Scalar(web, "runtime").ShouldBe("docker");
        File.Exists(NginxProxy.RepositoryFile(Scalar(web, "dockerfilePath"))).ShouldBeTrue();
        Scalar(web, "dockerContext").ShouldBe(".");
        Scalar(web, "healthCheckPath").ShouldBe("/health");
        int.Parse(Scalar(web, "maxShutdownDelaySeconds")).ShouldBeGreaterThan(DefaultDrainSeconds + 5);

        var vars = Seq(web, "envVars").Children.Cast<YamlMappingNode>().ToDictionary(v => Scalar(v, "key"));
        vars.ShouldNotContainKey("JWT_SECRET");
        Scalar(vars["SECRET_KEY"], "generateValue").ShouldBe("true");

        var database = (YamlMappingNode)Seq(render, "databases").Children.Single();
        var fromDatabase = Map(vars["DATABASE_URL"], "fromDatabase");
        Scalar(fromDatabase, "name").ShouldBe(Scalar(database, "name"));
        Scalar(fromDatabase, "property").ShouldBe("connectionString");
        Scalar(database, "postgresMajorVersion").ShouldBe("15");
        vars.ShouldContainKey("TRUSTED_PROXIES");
        vars.ShouldNotContainKey("PORT"); // Render sets PORT itself.
    }

    [GeneratedRegex(@"(?:Get\(|\(config, |config\[)""(?<name>[A-Z][A-Z0-9_]+)""")]
    private static partial Regex SettingRead();

    [Fact]
    public void EnvExample_NamesEverySettingTheServiceReads()
    {
        // Every settings file: SpeakingSettings and the groups it reads through (practice, Quorra, TURN).
        var names = Directory.GetFiles(NginxProxy.RepositoryFile("src/Infrastructure/Configuration"), "*.cs")
            .SelectMany(file => SettingRead().Matches(File.ReadAllText(file))).Select(m => m.Groups["name"].Value).ToHashSet();
        names.ShouldContain("ADMIN_EMAILS");
        names.ShouldContain("SECRET_KEY");
        names.ShouldContain("TRUSTED_PROXIES");
        names.ShouldContain("LEVEL_SOURCE");
        names.ShouldContain("TURN_SECRET");
        names.ShouldContain("TURN_CREDENTIALS_PER_MINUTE");
        names.ShouldContain("TURN_URLS");
        names.ShouldContain("SYNC_INTERVAL_MINUTES");
        var example = Read("deploy/env.example");
        foreach (var name in names)
            Regex.IsMatch(example, $@"^#? ?{name}=", RegexOptions.Multiline).ShouldBeTrue($"deploy/env.example does not mention {name}");
    }

    [Fact]
    public void Compose_TurnService_RunsCoturnWithTheDeployConfig_OnTheHostNetwork_SharingTurnSecretWithTheApi()
    {
        var services = Map(Yaml("deploy/docker-compose.yml"), "services");
        var turn = Map(services, "turn");

        Scalar(turn, "image").ShouldStartWith("coturn/coturn:");
        Scalars(Seq(turn, "profiles")).ShouldBe(["turn"], "opt-in: a plain `up` starts what it started before");
        Scalar(turn, "network_mode").ShouldBe("host");
        Has(turn, "ports").ShouldBeFalse("host networking publishes nothing");
        Has(turn, "networks").ShouldBeFalse();
        Scalars(Seq(turn, "volumes")).ShouldContain("./turnserver.conf:/etc/coturn/turnserver.conf:ro");
        File.Exists(NginxProxy.RepositoryFile("deploy/turnserver.conf")).ShouldBeTrue();

        // Both read TURN_SECRET from deploy/.env.
        foreach (var service in new[] { turn, Map(services, "api") })
            Scalar((YamlMappingNode)Seq(service, "env_file").Children.Single(), "path").ShouldBe(".env");
        var command = Scalars(Seq(turn, "command")).Single();
        command.ShouldContain("$$TURN_SECRET", customMessage: "$$: read by the container's shell, not interpolated by compose");
        command.ShouldNotContain("--static-auth-secret", customMessage: "the secret stays off the command line");
        Scalars(Seq(turn, "entrypoint")).ShouldBe(["/bin/sh", "-c"]);
    }

    /// <summary>
    /// The turn service's command, run by a real shell as the container would (compose's <c>$$</c> unescaped; the
    /// configuration paths pointed at a temporary folder; <c>turnserver</c> not started): it writes the repository's
    /// turnserver.conf plus the secret to a file only its owner can read, and refuses to start without TURN_SECRET.
    /// </summary>
    [Fact]
    public async Task Compose_TurnCommand_AddsTheSecretToAPrivateCopyOfTheConfig_AndRefusesToStartWithoutIt()
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The container's shell: Linux only.");
        var folder = Directory.CreateTempSubdirectory("speaking-turn-command-").FullName;
        try
        {
            var copy = Path.Combine(folder, "turnserver.conf");
            var command = Scalars(Seq(Map(Map(Yaml("deploy/docker-compose.yml"), "services"), "turn"), "command")).Single()
                .Replace("$$", "$")
                .Replace("/etc/coturn/turnserver.conf", NginxProxy.RepositoryFile("deploy/turnserver.conf"))
                .Replace("/tmp/turnserver.conf", copy)
                .Replace("exec turnserver -c", "exec test -f");

            var (started, _) = await ShellAsync(command, "s3cret with spaces 'and quotes'");
            started.ShouldBe(0);
            (await File.ReadAllTextAsync(copy)).ShouldBe(Read("deploy/turnserver.conf") + "static-auth-secret=s3cret with spaces 'and quotes'\n");
            File.GetUnixFileMode(copy).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);

            File.Delete(copy);
            var (refused, error) = await ShellAsync(command, null);
            refused.ShouldBe(1);
            error.ShouldContain("TURN_SECRET");
            File.Exists(copy).ShouldBeFalse();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Error)> ShellAsync(string command, string? turnSecret)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment.Remove("TURN_SECRET");
        if (turnSecret is not null) start.Environment["TURN_SECRET"] = turnSecret;
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, error);
    }

    [Fact]
    public void TurnserverConf_UsesAuthSecret_KeepsTheSecretOut_AndDeniesEveryPrivateRange()
    {
        var lines = Coturn.DeployConfigLines().ToList();
        var keys = lines.Select(Coturn.Key).ToList();

        keys.ShouldContain("use-auth-secret");
        lines.ShouldContain(l => l.StartsWith("realm=") && l.Length > "realm=".Length);
        keys.ShouldNotContain("static-auth-secret", "the secret comes from TURN_SECRET, never from the repository");
        keys.ShouldNotContain("allow-loopback-peers");
        keys.ShouldNotContain("no-auth");
        keys.ShouldNotContain("user", "no static accounts beside the REST-API credentials");
        keys.ShouldContain("no-tcp-relay");
        keys.ShouldContain("no-multicast-peers");
        keys.ShouldContain("no-cli");
        int.Parse(Setting(lines, "listening-port")).ShouldBe(3478);
        int.Parse(Setting(lines, "min-port")).ShouldBeLessThan(int.Parse(Setting(lines, "max-port")));

        var denied = lines.Where(l => Coturn.Key(l) == "denied-peer-ip").Select(l => l.Split('=', 2)[1]).Select(Range).ToList();
        denied.ShouldNotContain(r => r.First.Equals(System.Net.IPAddress.IPv6Any), "coturn reads a range from :: as every address, IPv4 too");
        string[] privateAddresses =
        [
            "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.0.1", "169.254.169.254", "172.16.0.1",
            "172.28.57.10", "172.31.255.255", "192.0.0.8", "192.168.1.1", "198.18.0.1", "198.19.255.255", "224.0.0.251", "239.255.255.250",
            "255.255.255.255", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "64:ff9b:1::a00:1", "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1",
        ];
        foreach (var address in privateAddresses)
            denied.ShouldContain(r => r.Contains(System.Net.IPAddress.Parse(address)), $"{address} is not denied");
        foreach (var address in new[] { "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "203.0.113.9", "2001:db8::1", "2606:4700::1111" })
            denied.ShouldNotContain(r => r.Contains(System.Net.IPAddress.Parse(address)), $"{address} is a public peer");
    }

    private static string Setting(IEnumerable<string> lines, string key) => lines.Single(l => Coturn.Key(l) == key).Split('=', 2)[1].Trim();

    /// <summary>A <c>denied-peer-ip</c> value: one address, or <c>first-last</c> (coturn's syntax), same family.</summary>
    private static AddressRange Range(string value)
    {
        var parts = value.Split('-');
        var first = System.Net.IPAddress.Parse(parts[0]);
        var last = System.Net.IPAddress.Parse(parts[^1]);
        first.AddressFamily.ShouldBe(last.AddressFamily, value);
        return new AddressRange(first, last);
    }

    private sealed record AddressRange(System.Net.IPAddress First, System.Net.IPAddress Last)
    {
        public bool Contains(System.Net.IPAddress address) => address.AddressFamily == First.AddressFamily
            && Compare(First, address) <= 0 && Compare(address, Last) <= 0;

        private static int Compare(System.Net.IPAddress a, System.Net.IPAddress b) => a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes());
    }

    [Fact]
    public async Task NginxConf_RenderedForTwoNodes_PassesNginxsOwnCheck()
    {
        var (exitCode, output) = await NginxProxy.CheckConfigAsync(["127.0.0.1:1", "127.0.0.1:2"]);

        exitCode.ShouldBe(0, output);
        output.ShouldContain("test is successful");
    }

    [Fact]
    public void NginxConf_IsComplete_ProxiesWebSockets_AndNeverLogsTheQueryString()
    {
        var template = Read("deploy/nginx.conf");
        var code = string.Join('\n', template.Split('\n').Select(l => l.Split('#')[0]));

        code.ShouldContain("events {");
        code.ShouldContain("http {");
        Regex.IsMatch(code, @"location /ws/ \{[^}]*proxy_http_version 1\.1;[^}]*proxy_set_header Upgrade \$http_upgrade;[^}]*proxy_set_header Connection \$connection_upgrade;[^}]*proxy_read_timeout 3600s;").ShouldBeTrue();
        Regex.Matches(code, @"proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;").Count.ShouldBe(2);
        Regex.Matches(code, @"proxy_set_header X-Forwarded-Proto \$scheme;").Count.ShouldBe(2);
        code.ShouldNotContain("daemon ", customMessage: "the image's command and the tests pass `daemon off;` themselves");

        // The WebSocket token is in the query string: no variable that carries it may appear (D-9).
        Regex.Matches(code, @"\$(request|request_uri|args|query_string|is_args|http_referer|arg_\w+)\b").ShouldBeEmpty();
        NginxProxy.TemplateVariables(template).ShouldBe(["SPEAKING_LISTEN", "SPEAKING_UPSTREAM_SERVERS"], ignoreOrder: true);
        Should.Throw<InvalidOperationException>(() => NginxProxy.Render(template, new Dictionary<string, string> { ["SPEAKING_LISTEN"] = "80" }));
    }
}
