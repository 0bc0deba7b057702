using System.Reflection;

namespace Speaking.UnitTests.Architecture;

/// <summary>Dependencies point inward: Api -> Infrastructure -> Application -> Domain; Domain references none of ours.</summary>
public class DependencyDirectionTests
{
    private static readonly Assembly Domain = typeof(Speaking.Domain.Matchmaking.Pairing).Assembly;
    private static readonly Assembly Application = typeof(Speaking.Application.Common.IClock).Assembly;
    private static readonly Assembly Infrastructure = typeof(Speaking.Infrastructure.Configuration.SpeakingSettings).Assembly;
    private static readonly Assembly Api = typeof(Speaking.Api.Http.ErrorResponses).Assembly;

    private static string[] OursReferencedBy(Assembly assembly) => assembly.GetReferencedAssemblies()
        .Select(a => a.Name!)
        .Where(name => name.StartsWith("Speaking.", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void TheFourAssembliesAreTheOnesUnderTest()
    {
        new[] { Domain, Application, Infrastructure, Api }.Select(a => a.GetName().Name)
            .ShouldBe(["Speaking.Domain", "Speaking.Application", "Speaking.Infrastructure", "Speaking.Api"]);
    }

    [Fact]
    public void Domain_ReferencesNoneOfOurAssemblies() => OursReferencedBy(Domain).ShouldBeEmpty();

    [Fact]
    public void Application_ReferencesOnlyDomain() => OursReferencedBy(Application).ShouldBe(["Speaking.Domain"]);

    [Fact]
    public void Infrastructure_ReferencesApplicationAndDomainButNotApi()
    {
        var references = OursReferencedBy(Infrastructure);
        references.ShouldContain("Speaking.Application");
        references.ShouldContain("Speaking.Domain");
        references.ShouldNotContain("Speaking.Api");
        references.ShouldBeSubsetOf(["Speaking.Application", "Speaking.Domain"]);
    }

    [Fact]
    public void OnlyApi_ReferencesInfrastructure()
    {
        OursReferencedBy(Api).ShouldContain("Speaking.Infrastructure");
        foreach (var assembly in new[] { Domain, Application, Infrastructure })
            OursReferencedBy(assembly).ShouldNotContain("Speaking.Infrastructure", assembly.GetName().Name);
    }
}
