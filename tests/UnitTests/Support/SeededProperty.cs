using CsCheck;

namespace Speaking.UnitTests.Support;

/// <summary>
/// Runs a CsCheck property over a fixed sequence of seeds, so every run (and CI) checks the same cases. CsCheck's own
/// <c>Sample</c> seeds only its first iteration; here iteration i draws its case from <c>new PCG(i, seed)</c>.
/// <c>PROPERTY_ITERATIONS=100000</c> runs more cases locally (default <see cref="DefaultIterations"/>).
/// </summary>
public static class SeededProperty
{
    public const int DefaultIterations = 1_000;

    public static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("PROPERTY_ITERATIONS"), out var n) && n > 0 ? n : DefaultIterations;

    /// <summary>
    /// Checks <paramref name="property"/> (which throws when it does not hold) on <see cref="Iterations"/> generated cases.
    /// A failure reports the case, its seed, and a smaller failing case when CsCheck's shrinking from that seed finds one.
    /// </summary>
    public static void Check<T>(Gen<T> gen, Action<T> property, ulong seed = 17, Func<T, string>? print = null)
    {
        print ??= static value => value?.ToString() ?? "null";
        var iterations = Iterations;
        for (var i = 0; i < iterations; i++)
        {
            var pcg = new PCG((uint)i, seed);
            var replay = pcg.ToString();
            var value = gen.Generate(pcg, null!, out _);
            try
            {
                property(value);
            }
            catch (Exception failure)
            {
                throw new Xunit.Sdk.XunitException(
                    $"Property failed on case {i} (CsCheck seed {replay}):\n{print(value)}\n{failure.Message}\n\n{Shrink(gen, property, replay, print)}",
                    failure);
            }
        }
    }

    private static string Shrink<T>(Gen<T> gen, Action<T> property, string seed, Func<T, string> print)
    {
        try
        {
            gen.Sample(property, seed: seed, iter: 20_000, threads: 1, print: print);
            return "(CsCheck's shrinking from that seed found no failure: the property depends on more than the case.)";
        }
        catch (Exception shrunk)
        {
            return "Shrunk by CsCheck:\n" + shrunk.Message;
        }
    }
}
