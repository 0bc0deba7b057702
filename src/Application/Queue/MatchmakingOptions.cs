namespace Speaking.Application.Queue;

public sealed class MatchmakingOptions
{
    public int RouletteIntervalSeconds { get; set; } = 20;
    public bool MatchRequiresConnection { get; set; } = true;
}
