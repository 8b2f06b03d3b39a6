using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Sinks.ClickHouse.Diagnostics;
using ClickAnalytics.Storage;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using ClickHouse.Driver.ADO.Readers;
using Microsoft.Extensions.Logging;

namespace ClickAnalytics.Sinks.ClickHouse.Storage;

/// <summary>
/// Owns the client, learns what the server supports, brings the schema up to date once (every
/// statement idempotent, so several processes may do it at the same time) and keeps the set of
/// raw-table columns for schema evolution. Owned by the store, which disposes it with itself.
/// </summary>
internal sealed class ClickHouseDatabase : IAsyncDisposable
{
    private const int TableAlreadyExists = 57;
    private const int DuplicateColumn = 44;

    private readonly ClickHouseOptions _options;
    private readonly ClickHouseMetrics _metrics;
    private readonly ILogger _logger;
    private readonly HttpClient? _httpClient;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);

    // Replaced, never changed, when a column is added, so writers read it without a lock.
    private volatile HashSet<string> _columns = new(StringComparer.Ordinal);
    private volatile ClickHouseSchema? _schema;

    public ClickHouseDatabase(ClickHouseOptions options, ClickHouseMetrics metrics, ILogger logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        if (_options.LegacyServerCompatibility)
        {
            _httpClient = new HttpClient(new LegacySettingsHandler(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }))
            {
                Timeout = _options.RequestTimeout,
            };
        }

        Client = new ClickHouseClient(new ClickHouseClientSettings(_options.ConnectionString)
        {
            Timeout = _options.RequestTimeout,
            HttpClient = _httpClient,
        });
    }

    public ClickHouseClient Client { get; }

    public ClickHouseOptions Options => _options;

    /// <summary>The schema for the connected server; ready once <see cref="EnsureSchemaAsync"/> returned.</summary>
    public ClickHouseSchema Schema => _schema ?? throw new InvalidOperationException("The ClickHouse schema is not ready yet.");

    /// <summary>Asks the server its version, applies the migrations it has not recorded yet and loads the raw table's columns.</summary>
    public async ValueTask<ClickHouseSchema> EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schema is { } ready)
        {
            return ready;
        }

        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schema is { } done)
            {
                return done;
            }

            string version = (await QueryTextAsync("SELECT version() FORMAT TabSeparated", cancellationToken).ConfigureAwait(false)).Trim();
            var schema = new ClickHouseSchema(_options, ServerFeatures.Parse(version));
            await MigrateAsync(schema, cancellationToken).ConfigureAwait(false);
            _columns = await ReadColumnsAsync(cancellationToken).ConfigureAwait(false);

            // Fixed columns that a later version of the package added to ClickSchema.
            foreach (ClickHouseColumn column in schema.Columns)
            {
                if (!_columns.Contains(column.Name))
                {
                    await AddColumnAsync(schema, column.Name, column.Definition, cancellationToken).ConfigureAwait(false);
                }
            }

            ServerFeatures f = schema.Features;
            Log.SchemaReady(_logger, version, f.Codecs, f.LowCardinality, f.DateTime64, f.InsertDeduplicationToken);
            _schema = schema;
            return schema;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    /// <summary>The raw table's columns as known to this process (after <see cref="EnsureSchemaAsync"/>).</summary>
    public IReadOnlySet<string> Columns => _columns;

    /// <summary>Whether the raw table has this column (after <see cref="EnsureSchemaAsync"/>).</summary>
    public bool HasColumn(string name) => _columns.Contains(name);

    /// <summary>Adds a string column for a custom dimension unless the table has it already.</summary>
    public async ValueTask EnsureDimensionAsync(string name, CancellationToken cancellationToken)
    {
        if (HasColumn(name))
        {
            return;
        }

        // Names passed ClickSchema.ValidateDimensionName ([a-z][a-z0-9_]*), so they are safe as bare identifiers.
        ClickSchema.ValidateDimensionName(name);
        ClickHouseSchema schema = await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!HasColumn(name))
            {
                await AddColumnAsync(schema, name, schema.DimensionColumnDefinition(), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private async Task AddColumnAsync(ClickHouseSchema schema, string name, string definition, CancellationToken cancellationToken)
    {
        foreach (string statement in schema.AddColumn(name, definition))
        {
            try
            {
                await ExecuteAsync(statement, cancellationToken).ConfigureAwait(false);
            }
            catch (ClickHouseServerException ex) when (ex.ErrorCode == DuplicateColumn)
            {
                // Another process added it first (servers without ADD COLUMN IF NOT EXISTS say so this way).
            }
        }

        _columns = new HashSet<string>(_columns, StringComparer.Ordinal) { name };
        _metrics.ColumnAdded();
        Log.ColumnAdded(_logger, name);
    }

    private async Task MigrateAsync(ClickHouseSchema schema, CancellationToken cancellationToken)
    {
        await ExecuteIdempotentAsync(schema.CreateMigrationsTable(), cancellationToken).ConfigureAwait(false);
        var applied = new HashSet<int>();
        string recorded = await QueryTextAsync(
            $"SELECT DISTINCT version FROM {ClickHouseSchema.MigrationsTable} FORMAT TabSeparated", cancellationToken).ConfigureAwait(false);
        foreach (string line in recorded.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            applied.Add(int.Parse(line, NumberStyles.None, CultureInfo.InvariantCulture));
        }

        foreach (ClickHouseMigration migration in schema.Migrations())
        {
            if (applied.Contains(migration.Version))
            {
                continue;
            }

            foreach (string statement in migration.Statements)
            {
                await ExecuteIdempotentAsync(statement, cancellationToken).ConfigureAwait(false);
            }

            // Two processes may both record it; the ReplacingMergeTree and DISTINCT make that harmless.
            await ExecuteAsync(
                $"INSERT INTO {ClickHouseSchema.MigrationsTable} (version, name, applied_at) VALUES " +
                $"({migration.Version.ToString(CultureInfo.InvariantCulture)}, {ClickHouseSql.String(migration.Name)}, now())",
                cancellationToken).ConfigureAwait(false);
            Log.MigrationApplied(_logger, migration.Version, migration.Name);
        }
    }

    /// <summary>
    /// Reads the raw table's columns from the server, so columns another process added are known
    /// here too. Columns are only ever added, so the known set only grows.
    /// </summary>
    public async Task LoadColumnsAsync(CancellationToken cancellationToken)
    {
        HashSet<string> stored = await ReadColumnsAsync(cancellationToken).ConfigureAwait(false);
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            stored.UnionWith(_columns);
            _columns = stored;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private async Task<HashSet<string>> ReadColumnsAsync(CancellationToken cancellationToken)
    {
        string names = await QueryTextAsync(
            "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = " +
            ClickHouseSql.String(ClickHouseSchema.RawTable) + " FORMAT TabSeparated",
            cancellationToken).ConfigureAwait(false);
        return new HashSet<string>(names.Split('\n', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
    }

    /// <summary>The raw table's columns that are custom dimensions, as known to this process, in name order.</summary>
    public List<string> DimensionColumns()
    {
        var dimensions = new List<string>();
        foreach (string name in _columns)
        {
            if (ClickSchema.IsValidDimensionName(name))
            {
                dimensions.Add(name);
            }
        }

        dimensions.Sort(StringComparer.Ordinal);
        return dimensions;
    }

    /// <summary>CREATE … IF NOT EXISTS is not atomic between two processes; the loser's "already exists" is success.</summary>
    private async Task ExecuteIdempotentAsync(string sql, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(sql, cancellationToken).ConfigureAwait(false);
        }
        catch (ClickHouseServerException ex) when (ex.ErrorCode == TableAlreadyExists)
        {
        }
    }

    /// <summary>Runs a statement and discards its answer.</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        using ClickHouseRawResult result = await Client.ExecuteRawResultAsync(sql, options: null, cancellationToken).ConfigureAwait(false);
        using Stream body = await result.ReadAsStreamAsync().ConfigureAwait(false);
        await body.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a query with an explicit FORMAT (the driver's own readers need a format 18.16 lacks) and returns the answer as text.</summary>
    public async Task<string> QueryTextAsync(string sql, CancellationToken cancellationToken)
    {
        using ClickHouseRawResult result = await Client.ExecuteRawResultAsync(sql, options: null, cancellationToken).ConfigureAwait(false);
        return await result.ReadAsStringAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a query with <c>FORMAT JSONEachRow</c> and yields its rows as they arrive, so a large answer
    /// (a day of raw clicks) is never held whole in memory.
    /// </summary>
    public async IAsyncEnumerable<JsonElement> QueryRowsAsync(string sql, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using ClickHouseRawResult result = await Client.ExecuteRawResultAsync(sql, options: null, cancellationToken).ConfigureAwait(false);
        using Stream body = await result.ReadAsStreamAsync().ConfigureAwait(false);
        using var reader = new StreamReader(body, System.Text.Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using JsonDocument row = JsonDocument.Parse(line);
            yield return row.RootElement.Clone();
        }
    }

    /// <summary>Closes the client and its connections; nothing here waits on the server.</summary>
    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        _httpClient?.Dispose();
        _schemaGate.Dispose();
        return ValueTask.CompletedTask;
    }
}
