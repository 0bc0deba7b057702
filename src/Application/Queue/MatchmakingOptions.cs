namespace Speaking.Application.Queue;

public sealed class MatchmakingOptions
{
    public int RouletteIntervalSeconds { get; set; } = 20;
    public bool MatchRequiresConnection { get; set; } = true;
    /// <summary>REPEAT_PARTNER_COOLDOWN_MINUTES: roulette does not pair two users who had a session this recently while any other pairing is possible.</summary>
    public int RepeatPartnerCooldownMinutes { get; set; } = 10;
    /// <summary>LEVEL_WIDEN_AFTER_SECONDS: a widening level-filter ticket accepts ±1.0 after this long, any level after twice this.</summary>
    public int LevelWidenAfterSeconds { get; set; } = 60;
}
