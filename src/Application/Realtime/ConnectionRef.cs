namespace Speaking.Application.Realtime;

/// <summary>
/// One WebSocket connection anywhere in the cluster: the node that holds it and its number there. Written as
/// <c>node:number</c> where it is stored (a session's participant row, a queue ticket, a pending invitation).
/// </summary>
public readonly record struct ConnectionRef(string Node, long Number)
{
    public override string ToString() => $"{Node}:{Number}";

    public static ConnectionRef? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var colon = text.LastIndexOf(':');
        return colon > 0 && long.TryParse(text.AsSpan(colon + 1), out var number) ? new ConnectionRef(text[..colon], number) : null;
    }
}

/// <summary>A connection as presence knows it: where it is and when it opened relative to the user's others.</summary>
public readonly record struct LiveConnection(ConnectionRef Connection, long Order);
