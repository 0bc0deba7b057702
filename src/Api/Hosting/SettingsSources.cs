namespace Speaking.Api.Hosting;

public static class SettingsSources
{
    /// <summary>
    /// Where settings come from, first wins: <paramref name="overrides"/> (tests), the command line, the process
    /// environment, an optional .env file in the working directory, appsettings.json beside the binaries.
    /// </summary>
    public static IConfigurationBuilder AddSpeakingSources(this IConfigurationBuilder builder, string[] args,
        IDictionary<string, string?>? overrides = null) =>
        builder
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddInMemoryCollection(Infrastructure.Configuration.DotEnvFile.Read(Path.Combine(Directory.GetCurrentDirectory(), ".env")))
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>());
}
