using System;
using System.Buffers.Binary;
using System.Text;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using NativeAppender = DuckDB.NET.Native.DuckDBAppender;

namespace ClickAnalytics.Sinks.DuckDb.Storage;

/// <summary>
/// Appends rows to one table by filling DuckDB data chunks column by column and handing each full
/// chunk to a native appender. DuckDB.NET's row appender makes a native call and an unmanaged
/// string copy for every value; here fixed-size values are written straight into the vectors'
/// memory, strings of up to 12 UTF-8 bytes are written inline in DuckDB's documented
/// <c>duckdb_string_t</c> layout, and only longer strings cross into native code, from one reused
/// buffer. The caller owns the transaction; <see cref="Complete"/> hands over the last chunk.
/// </summary>
internal sealed unsafe class DuckDbChunkAppender : IDisposable
{
    private const int StringSize = 16; // sizeof(duckdb_string_t)
    private const int InlineStringBytes = 12;
    private static readonly int UnixEpochDay = new DateOnly(1970, 1, 1).DayNumber;

    private readonly NativeAppender _appender;
    private readonly DuckDBDataChunk _chunk;
    private readonly DuckDBType[] _types;
    private readonly IntPtr[] _vectors;
    private readonly nint[] _data;
    private readonly int _capacity;
    private byte[] _utf8 = new byte[512];
    private int _row;
    private bool _completed;

    /// <summary>
    /// Opens an appender on <paramref name="table"/>, which must have <paramref name="expectedColumns"/>
    /// columns: a table changed behind the store's back is a clear error, not rows written askew.
    /// </summary>
    public DuckDbChunkAppender(DuckDBConnection connection, string table, int expectedColumns)
    {
        if (NativeMethods.Appender.DuckDBAppenderCreate(connection.NativeConnection, null, table, out _appender) == DuckDBState.Error)
        {
            string message = AppenderError();
            _appender.Dispose();
            throw new InvalidOperationException($"DuckDB could not open an appender on '{table}': {message}");
        }

        int columns = (int)NativeMethods.Appender.DuckDBAppenderColumnCount(_appender);
        if (columns != expectedColumns)
        {
            _appender.Dispose();
            throw new InvalidOperationException(
                $"The {table} table has {columns} columns where this version expects {expectedColumns}; was the file changed by another program?");
        }

        var logicalTypes = new DuckDBLogicalType[columns];
        var handles = new IntPtr[columns];
        _types = new DuckDBType[columns];
        try
        {
            for (int i = 0; i < columns; i++)
            {
                logicalTypes[i] = NativeMethods.Appender.DuckDBAppenderColumnType(_appender, (ulong)i);
                handles[i] = logicalTypes[i].DangerousGetHandle();
                _types[i] = NativeMethods.LogicalType.DuckDBGetTypeId(logicalTypes[i]);
            }

            _chunk = NativeMethods.DataChunks.DuckDBCreateDataChunk(handles, (ulong)columns);
        }
        finally
        {
            foreach (DuckDBLogicalType type in logicalTypes)
            {
                type?.Dispose();
            }
        }

        _capacity = (int)NativeMethods.Helpers.DuckDBVectorSize();
        _vectors = new IntPtr[columns];
        _data = new nint[columns];
        LoadVectors();
    }

    public void SetString(int column, string value)
    {
        Check(column, DuckDBType.Varchar);
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        }

        int length = Encoding.UTF8.GetBytes(value, _utf8);
        byte* target = (byte*)_data[column] + ((nint)_row * StringSize);
        if (length <= InlineStringBytes)
        {
            // Inline form: the length, then the bytes, zero-padded to 16 (DuckDB compares the padding).
            new Span<byte>(target, StringSize).Clear();
            *(uint*)target = (uint)length;
            _utf8.AsSpan(0, length).CopyTo(new Span<byte>(target + 4, InlineStringBytes));
            return;
        }

        // Longer strings are copied into the vector's own string heap by DuckDB. The bytes come from
        // .NET's UTF-8 encoder, which never produces invalid UTF-8, so DuckDB's check is skipped.
        fixed (byte* bytes = _utf8)
        {
            NativeMethods.Vectors.DuckDBUnsafeVectorAssignStringElementLength(_vectors[column], (ulong)_row, bytes, length);
        }
    }

    public void SetBoolean(int column, bool value)
    {
        Check(column, DuckDBType.Boolean);
        ((byte*)_data[column])[_row] = value ? (byte)1 : (byte)0;
    }

    public void SetUInt32(int column, uint value)
    {
        Check(column, DuckDBType.UnsignedInteger);
        ((uint*)_data[column])[_row] = value;
    }

    /// <summary>A UTC timestamp, stored as microseconds since the Unix epoch.</summary>
    public void SetTimestamp(int column, DateTime value)
    {
        Check(column, DuckDBType.Timestamp);
        ((long*)_data[column])[_row] = (value.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
    }

    /// <summary>A day, stored as days since the Unix epoch.</summary>
    public void SetDate(int column, DateOnly value)
    {
        Check(column, DuckDBType.Date);
        ((int*)_data[column])[_row] = value.DayNumber - UnixEpochDay;
    }

    /// <summary>
    /// A UUID, stored as DuckDB's 128-bit integer: the UUID's first eight bytes (in RFC 9562 order)
    /// as the upper half with its top bit flipped, so that integers sort like the UUIDs' text.
    /// </summary>
    public void SetUuid(int column, Guid value)
    {
        Check(column, DuckDBType.Uuid);
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes, bigEndian: true, out _);
        ulong* target = (ulong*)_data[column] + ((nint)_row * 2);
        target[0] = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        target[1] = BinaryPrimitives.ReadUInt64BigEndian(bytes) ^ 0x8000_0000_0000_0000UL;
    }

    /// <summary>Ends the row every column of which has been set; hands the chunk over when it is full.</summary>
    public void EndRow()
    {
        _row++;
        if (_row == _capacity)
        {
            Flush();
        }
    }

    /// <summary>Hands over the rows not yet appended and closes the appender, so they are part of the caller's transaction.</summary>
    public void Complete()
    {
        Flush();
        if (NativeMethods.Appender.DuckDBAppenderClose(_appender) == DuckDBState.Error)
        {
            throw new InvalidOperationException($"DuckDB could not append the rows: {AppenderError()}");
        }

        _completed = true;
    }

    private void Flush()
    {
        if (_row == 0)
        {
            return;
        }

        NativeMethods.DataChunks.DuckDBDataChunkSetSize(_chunk, (ulong)_row);
        if (NativeMethods.Appender.DuckDBAppendDataChunk(_appender, _chunk) == DuckDBState.Error)
        {
            throw new InvalidOperationException($"DuckDB could not append the rows: {AppenderError()}");
        }

        NativeMethods.DataChunks.DuckDBDataChunkReset(_chunk);
        _row = 0;
        LoadVectors();
    }

    private void LoadVectors()
    {
        for (int i = 0; i < _vectors.Length; i++)
        {
            _vectors[i] = NativeMethods.DataChunks.DuckDBDataChunkGetVector(_chunk, i);
            _data[i] = (nint)NativeMethods.Vectors.DuckDBVectorGetData(_vectors[i]);
        }
    }

    private void Check(int column, DuckDBType expected)
    {
        if (_types[column] != expected)
        {
            throw new InvalidOperationException($"Column {column} of the table is {_types[column]}, not {expected}.");
        }
    }

    private string AppenderError()
    {
        using DuckDBErrorData error = NativeMethods.Appender.DuckDBAppenderErrorData(_appender);
        return error.Message ?? "no message";
    }

    public void Dispose()
    {
        if (!_completed && !_appender.IsInvalid)
        {
            // Rows not handed over are dropped with the appender; the caller rolls its transaction back.
            NativeMethods.Appender.DuckDBAppenderClear(_appender);
        }

        _chunk.Dispose();
        _appender.Dispose();
    }
}
