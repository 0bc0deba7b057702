namespace Speaking.Domain.Quorra;

/// <summary>A user's settings: one flat object of scalar values (string, number, boolean or null).</summary>
public static class SettingsRules
{
    public const int MaxKeys = 64;
    public const int KeyMax = 64;
    public const int StringValueMax = 1000;
}
