using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Speaking.LoadTest.Harness;

/// <summary>Facts about this machine and the tool's own process limits.</summary>
public static partial class Machine
{
    private const int RlimitNofile = 7;

    /// <summary>Raises this process's soft file-descriptor limit to its hard limit; returns the limit now in force.</summary>
    public static long RaiseFileLimit()
    {
        if (!OperatingSystem.IsLinux()) return -1;
        if (getrlimit(RlimitNofile, out var limit) != 0) return -1;
        if (limit.Current < limit.Max)
        {
            var raised = new RLimit { Current = limit.Max, Max = limit.Max };
            if (setrlimit(RlimitNofile, in raised) == 0) return (long)raised.Current;
        }

        return (long)limit.Current;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Resident set size of a process, from /proc/&lt;pid&gt;/status (VmRSS), in bytes; null when it cannot be read.</summary>
    public static long? RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    public static object Describe() => new
    {
        Cores = Environment.ProcessorCount,
        Cpu = ReadFirst("/proc/cpuinfo", "model name"),
        MemoryMb = ReadFirst("/proc/meminfo", "MemTotal") is { } total ? long.Parse(total.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024 : (long?)null,
        Dotnet = RuntimeInformation.FrameworkDescription,
        Os = RuntimeInformation.OSDescription,
        // Other work on the machine at the end of the run (1, 5 and 15 minute load averages): a busy machine makes every figure noisier.
        LoadAverage = ReadAll("/proc/loadavg") is { } load ? string.Join(' ', load.Split(' ').Take(3)) : null,
        Date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string? ReadAll(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True for addresses (or host names) that stay on this machine.</summary>
    public static bool IsLoopbackHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    private static string? ReadFirst(string path, string key)
    {
        try
        {
            var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line?[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);
}
