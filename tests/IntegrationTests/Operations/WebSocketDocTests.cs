using System.Runtime.CompilerServices;
using Speaking.Application.Realtime;
using Speaking.Infrastructure.Realtime;

namespace Speaking.IntegrationTests.Operations;

/// <summary>docs/WEBSOCKET.md names every message type the code knows, in each direction, and states the code's limits.</summary>
public sealed class WebSocketDocTests
{
    private static readonly Lazy<string> Document = new(() => File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "WEBSOCKET.md")));

    /// <summary>Contract 4.6 and 4.7.</summary>
    public static TheoryData<string> ContractTypes => new()
    {
        "ping", "join_queue", "leave_queue", "offer", "answer", "ice_candidate", "chat", "end_session", "invite_partner", "invite_response",
        "pong", "queue_joined", "queue_left", "matched", "session_ended", "partner_invite", "invite_sent", "invite_error", "invite_rejected", "error",
    };

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void EveryContractMessageType_IsDocumented(string type) => Document.Value.ShouldContain($"`{type}`");

    [Fact]
    public void EveryClientTypeTheDispatcherKnows_HasItsOwnSection()
    {
        var known = ClientMessageReader.KnownTypes.ToList();
        known.ShouldContain("ping");

        var headings = Document.Value.Split('\n').Where(l => l.StartsWith("### ", StringComparison.Ordinal)).ToList();
        foreach (var type in known)
            headings.ShouldContain(h => h.Contains($"`{type}`"), $"no section for the client message {type}");
    }

    [Fact]
    public void EveryServerMessageTypeInTheCode_IsDocumented()
    {
        var types = typeof(ServerMessage).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ServerMessage)) && !t.IsAbstract)
            .Select(TypeName).OfType<string>().ToList();

        types.ShouldContain("matched");
        foreach (var type in types) Document.Value.ShouldContain($"`{type}`", customMessage: $"server message {type} is not documented");
    }

    [Fact]
    public void Limits_AndCloseCodes_AreTheCodes()
    {
        var doc = Document.Value;
        var limits = new WebSocketLimits();
        doc.ShouldContain($"{WebSocketLimits.MaxMessageBytes:N0} bytes");
        doc.ShouldContain($"bursts of {limits.BurstMessages} messages, {limits.MessagesPerSecond} messages/s");
        doc.ShouldContain($"\"message\":\"{ErrorMessage.RateLimited.Message}\"");
        doc.ShouldContain($"{SendChatCommand.MaxLength} characters");
        foreach (var code in new[] { "| 1001 |", "| 1003 |", "| 1009 |", "HTTP 403" }) doc.ShouldContain(code);
    }

    /// <summary>The type a message class sends, read from an instance built with default arguments (null for relays, whose type varies).</summary>
    private static string? TypeName(Type messageType)
    {
        var constructor = messageType.GetConstructors().OrderBy(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters().Select(p => p.ParameterType.IsValueType ? RuntimeHelpers.GetUninitializedObject(p.ParameterType) : null).ToArray();
        return ((ServerMessage)constructor.Invoke(arguments)).Type is { Length: > 0 } name ? name : null;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Speaking.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Speaking.sln not found above " + AppContext.BaseDirectory);
    }
}
