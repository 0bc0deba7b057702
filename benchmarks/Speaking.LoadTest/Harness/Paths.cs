namespace Speaking.LoadTest.Harness;

/// <summary>Where things are: the repository (found upwards from the tool's binaries), the service's build, dotnet.</summary>
public static class Paths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Speaking.sln"))) return dir.FullName;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Speaking.sln"))) return dir.FullName;
        }

        throw new UsageException("Cannot find the repository (Speaking.sln) above the tool or the current directory; pass --api-dll and --bare-relay-dir");
    });

    public static string RepositoryRoot => Root.Value;

    /// <summary>The configuration this tool was built in (Release or Debug), read from its own output path.</summary>
    public static string Configuration
    {
        get
        {
            var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            var bin = Array.LastIndexOf(parts, "bin");
            return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Release";
        }
    }

    public static string ApiDll() => Path.Combine(RepositoryRoot, "src", "Api", "bin", Configuration, "net10.0", "Speaking.Api.dll");

    public static string BareRelayDirectory() => Path.Combine(RepositoryRoot, "benchmarks", "bare-relay");

    /// <summary>This tool's own dll, to start it again as the bare Kestrel reference.</summary>
    public static string ToolDll() => typeof(Paths).Assembly.Location;

    /// <summary>The dotnet host running this tool (so the service runs on the same runtime).</summary>
    public static string Dotnet()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is not null && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }
}
