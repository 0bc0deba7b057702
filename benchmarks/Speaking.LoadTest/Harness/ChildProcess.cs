using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Speaking.LoadTest.Harness;

/// <summary>
/// A process the harness starts (the service, the bare references): its soft file-descriptor limit raised to the
/// hard limit through a <c>sh -c 'ulimit -n …; exec …'</c> wrapper (exec keeps the pid, so /proc/&lt;pid&gt; is the
/// program itself), its output kept (the last lines, for the error message when it fails), and stopped with SIGTERM,
/// then SIGKILL, when disposed. Every child is also stopped when the tool exits.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private static readonly List<ChildProcess> Live = [];
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Found)> _waiters = [];
    private readonly Lock _gate = new();
    private readonly bool _echo;

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private ChildProcess(string name, Process process, bool echo)
    {
        Name = name;
        _process = process;
        _echo = echo;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args, IDictionary<string, string?> environment,
        string workingDirectory, bool echo = false)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec \"$0\" \"$@\"");
        start.ArgumentList.Add(fileName);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment)
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name} ({fileName}).");
        var child = new ChildProcess(name, process, echo);
        lock (Live) Live.Add(child);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for an output line matching the pattern (e.g. "listening on …:port"); fails if the process exits first.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, CancellationToken ct)
    {
        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var line in _tail)
            {
                var m = pattern.Match(line);
                if (m.Success) return m;
            }

            _waiters.Add((pattern, found));
        }

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        var exited = _process.WaitForExitAsync(timeoutCts.Token);
        var first = await Task.WhenAny(found.Task, exited);
        if (first == found.Task) return await found.Task;
        ct.ThrowIfCancellationRequested();
        throw new InvalidOperationException(_process.HasExited
            ? $"{Name} exited with code {_process.ExitCode} before it was ready.{Tail()}"
            : $"{Name} did not print /{pattern}/ within {timeout.TotalSeconds:0} s.{Tail()}");
    }

    /// <summary>The last lines the process printed, for error messages.</summary>
    public string Tail()
    {
        lock (_gate) return _tail.Count == 0 ? "" : $"{Environment.NewLine}--- last output of {Name} ---{Environment.NewLine}" + string.Join(Environment.NewLine, _tail);
    }

    public async ValueTask DisposeAsync()
    {
        lock (Live) Live.Remove(this);
        if (_process.HasExited) return;
        _ = kill(_process.Id, 15); // SIGTERM: a clean stop
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Output.Progress($"{Name} did not stop within 15 s of SIGTERM; killing it");
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        if (_echo) Output.Progress($"{Name}: {line}");
        lock (_gate)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 40) _tail.Dequeue();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var m = _waiters[i].Pattern.Match(line);
                if (!m.Success) continue;
                _waiters[i].Found.TrySetResult(m);
                _waiters.RemoveAt(i);
            }
        }
    }

    private static void KillAll()
    {
        ChildProcess[] children;
        lock (Live) children = [.. Live];
        foreach (var child in children)
        {
            try
            {
                if (!child._process.HasExited) child._process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
