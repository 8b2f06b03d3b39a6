using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// Owns the database file: one write connection (DuckDB connections are not thread-safe, so writes
/// take turns), the schema, and the set of custom dimension columns. Readers get their own
/// connections to the same in-process database.
/// </summary>
internal sealed class DuckDbDatabase : IDisposable
{
    private readonly string _path;
    private readonly string _checkpointThreshold;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<string> _dimensionColumns = new(StringComparer.Ordinal);
    private DuckDBConnection? _connection;
    private bool _disposed;

    public DuckDbDatabase(IOptions<DuckDbOptions> options)
    {
        _path = System.IO.Path.GetFullPath(options.Value.Path);
        _checkpointThreshold = options.Value.CheckpointThreshold;
    }

    public string Path => _path;

    private string ConnectionString => $"Data Source={_path}";

    /// <summary>Dimension columns in table order, after the fixed columns.</summary>
    public List<string> DimensionColumns { get; } = [];

    /// <summary>Runs <paramref name="work"/> alone on the write connection, opening the database and schema on first use.</summary>
    public async Task<T> WithWriteConnectionAsync<T>(Func<DuckDBConnection, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _connection ??= Open();
            return work(_connection);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new connection for reading; the caller disposes it.</summary>
    public async Task<DuckDBConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _connection ??= Open();
            // DuckDB.NET shares one database instance between connections to the same file in a process.
            var reader = new DuckDBConnection(ConnectionString);
            reader.Open();
            return reader;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds a column for every dimension in the batch that the table does not have yet.</summary>
    public void EnsureDimensionColumns(DuckDBConnection connection, IReadOnlyList<EnrichedClick> clicks)
    {
        for (int i = 0; i < clicks.Count; i++)
        {
            foreach (string name in clicks[i].Dimensions.Keys)
            {
                if (_dimensionColumns.Contains(name))
                {
                    continue;
                }

                // Names are validated identifiers ([a-z][a-z0-9_]*), so they are safe to quote and use.
                Execute(connection, $"ALTER TABLE {ClickSchema.ClicksTable} ADD COLUMN IF NOT EXISTS \"{name}\" VARCHAR DEFAULT ''");
                _dimensionColumns.Add(name);
                DimensionColumns.Add(name);
            }
        }
    }

    private DuckDBConnection Open()
    {
        string? folder = System.IO.Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var connection = new DuckDBConnection(ConnectionString);
        connection.Open();
        try
        {
            // Validated as a size by DuckDbOptions, so it is safe in the statement (SET takes no parameters).
            Execute(connection, $"SET checkpoint_threshold = '{_checkpointThreshold}'");
            Execute(connection, CreateTableSql());
            LoadDimensionColumns(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
    }

    internal static string CreateTableSql()
    {
        var sql = new StringBuilder();
        sql.Append("CREATE TABLE IF NOT EXISTS ").Append(ClickSchema.ClicksTable).Append(" (");
        for (int i = 0; i < ClickSchema.Columns.Count; i++)
        {
            ClickColumn column = ClickSchema.Columns[i];
            if (i > 0)
            {
                sql.Append(", ");
            }

            sql.Append(column.Name).Append(' ').Append(SqlType(column.Type)).Append(" NOT NULL");
        }

        return sql.Append(')').ToString();
    }

    internal static string SqlType(ClickColumnType type) => type switch
    {
        ClickColumnType.String => "VARCHAR",
        ClickColumnType.Boolean => "BOOLEAN",
        ClickColumnType.UInt32 => "UINTEGER",
        ClickColumnType.Timestamp => "TIMESTAMP",
        ClickColumnType.Date => "DATE",
        ClickColumnType.Uuid => "UUID",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private void LoadDimensionColumns(DuckDBConnection connection)
    {
        var fixedColumns = new HashSet<string>(StringComparer.Ordinal);
        foreach (ClickColumn column in ClickSchema.Columns)
        {
            fixedColumns.Add(column.Name);
        }

        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = "SELECT column_name FROM information_schema.columns WHERE table_name = $table ORDER BY ordinal_position";
        command.Parameters.Add(new DuckDBParameter("table", ClickSchema.ClicksTable));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            string name = reader.GetString(0);
            if (!fixedColumns.Contains(name) && _dimensionColumns.Add(name))
            {
                DimensionColumns.Add(name);
            }
        }
    }

    internal static void Execute(DuckDBConnection connection, string sql)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _disposed = true;
            _connection?.Dispose();
            _connection = null;
        }
        finally
        {
            _gate.Release();
        }
    }
}
