using System.Net.Sockets;
using Npgsql;

namespace Speaking.Infrastructure;

/// <summary>
/// Tells "a dependency did not answer" (PostgreSQL stopped, restarting, unreachable, out of connections; Redis
/// unreachable, loading, read-only after a failover, out of memory) from "it answered with an error". The first is
/// temporary: REST answers 503, a socket message gets an error message and the socket stays open, background work
/// tries again. The second is a defect and stays a 500.
/// </summary>
public static class Outage
{
    public static bool Is(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    // 08: connection exception; 57P01-57P03: the server is shutting down or starting; 53300: too many connections.
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                case TimeoutException:
                case StackExchange.Redis.RedisConnectionException:
                    return true;
                case StackExchange.Redis.RedisServerException redis:
                    // Redis answered, but cannot serve now: loading its data, a read-only replica after a failover,
                    // out of memory, no reachable master, a busy script.
                    return redis.Message.StartsWith("LOADING", StringComparison.Ordinal) || redis.Message.StartsWith("READONLY", StringComparison.Ordinal)
                        || redis.Message.StartsWith("OOM", StringComparison.Ordinal) || redis.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
                        || redis.Message.StartsWith("BUSY", StringComparison.Ordinal) || redis.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
                        || redis.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal);
            }
        }

        return false;
    }
}
