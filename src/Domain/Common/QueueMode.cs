namespace Speaking.Domain.Common;

public enum QueueMode
{
    Roulette,
    LevelFilter,
}

public static class QueueModeNames
{
    public const string Roulette = "roulette";
    public const string LevelFilter = "level_filter";

    public static string ToWire(this QueueMode mode) => mode == QueueMode.Roulette ? Roulette : LevelFilter;

    public static bool TryParse(string? value, out QueueMode mode)
    {
        switch (value)
        {
            case Roulette: mode = QueueMode.Roulette; return true;
            case LevelFilter: mode = QueueMode.LevelFilter; return true;
            default: mode = default; return false;
        }
    }
}
