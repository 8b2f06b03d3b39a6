using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ClickAnalytics.Diagnostics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Processing;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;

namespace ClickAnalytics.Sinks.Redis.Enrichment;

/// <summary>
/// Repeat windows shared through Redis. One Lua script checks and records a whole batch atomically,
/// so two workers that see clicks of the same visitor and link agree on which one came first.
/// Windows are measured on the clicks' own timestamps; the key lives
/// <see cref="RedisSharedStateOptions.RepeatKeyGrace"/> longer than the window so late batches still find it.
/// </summary>
internal sealed class RedisRepeatClickStore : IRepeatClickStore
{
    // Value: "<event id>|<unix ms>". ARGV: window ms, ttl ms, then per key: event id, unix ms.
    private const string Script = """
        local window = tonumber(ARGV[1])
        local result = {}
        for i, key in ipairs(KEYS) do
          local id = ARGV[1 + 2 * i]
          local ts = tonumber(ARGV[2 + 2 * i])
          local first = nil
          local value = redis.call('GET', key)
          if value then
            local sep = string.find(value, '|', 1, true)
            if sep then
              local firstId = string.sub(value, 1, sep - 1)
              local firstTs = tonumber(string.sub(value, sep + 1))
              if firstId == id then
                first = ''
              elseif firstTs and math.abs(ts - firstTs) <= window then
                first = firstId
              end
            end
          end
          if first == nil then
            redis.call('SET', key, id .. '|' .. ts, 'PX', ARGV[2])
            first = ''
          end
          result[i] = first
        end
        return result
        """;

    private readonly RedisConnection _connection;
    private readonly string _prefix;
    private readonly TimeSpan _grace;

    public RedisRepeatClickStore(RedisConnection connection, IOptions<RedisSharedStateOptions> options)
    {
        _connection = connection;
        _prefix = options.Value.KeyPrefix + "repeat:";
        _grace = options.Value.RepeatKeyGrace;
    }

    public async ValueTask<IReadOnlyList<Guid?>> CheckAndRecordAsync(IReadOnlyList<RepeatCandidate> candidates, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            return [];
        }

        var keys = new RedisKey[candidates.Count];
        var args = new RedisValue[2 + (2 * candidates.Count)];
        args[0] = (long)window.TotalMilliseconds;
        args[1] = Math.Max(1L, (long)(window + _grace).TotalMilliseconds);
        for (int i = 0; i < candidates.Count; i++)
        {
            RepeatCandidate candidate = candidates[i];
            keys[i] = _prefix + candidate.Key;
            args[2 + (2 * i)] = candidate.EventId.ToString("N");
            args[3 + (2 * i)] = candidate.Timestamp.ToUnixTimeMilliseconds();
        }

        IDatabase database = await _connection.GetDatabaseAsync().ConfigureAwait(false);
        RedisResult result = await database.ScriptEvaluateAsync(Script, keys, args).ConfigureAwait(false);
        var firsts = (RedisValue[])result!;
        var answer = new Guid?[candidates.Count];
        for (int i = 0; i < answer.Length; i++)
        {
            string? first = firsts[i];
            answer[i] = string.IsNullOrEmpty(first) ? null : Guid.ParseExact(first, "N");
        }

        return answer;
    }
}
