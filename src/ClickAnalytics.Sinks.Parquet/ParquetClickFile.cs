using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Storage;
using Parquet;
using Parquet.Schema;

namespace ClickAnalytics.Sinks.Parquet;

/// <summary>
/// Writes stored clicks as one Parquet file: every <see cref="ClickSchema"/> column with its own
/// Parquet type (timestamps as UTC millisecond timestamps, days as dates, ids as UUIDs, counts as
/// unsigned integers), then one text column per custom dimension, in row groups of
/// <see cref="RowGroupSize"/> clicks. Parquet writers need a seekable stream, so a stream that is
/// not seekable is fed from a temporary file.
/// </summary>
internal static class ParquetClickFile
{
    public const int RowGroupSize = 100_000;

    public static async Task<long> WriteAsync(
        IAsyncEnumerable<StoredClick> clicks, Stream output, CompressionMethod compression, IReadOnlySet<string>? leaveOut, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clicks);
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanSeek)
        {
            string path = Path.Combine(Path.GetTempPath(), "clickanalytics-" + Guid.NewGuid().ToString("N") + ".parquet");
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            long rows = await WriteAsync(clicks, file, compression, leaveOut, cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            await file.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            return rows;
        }

        long written = 0;
        ParquetColumn[]? columns = null;
        ParquetWriter? writer = null;
        try
        {
            await foreach (StoredClick click in clicks.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (columns is null)
                {
                    columns = Columns(click.Dimensions.Keys, leaveOut);
                    writer = await CreateAsync(columns, output, compression, cancellationToken).ConfigureAwait(false);
                }

                foreach (ParquetColumn column in columns)
                {
                    column.Add(click);
                }

                if (++written % RowGroupSize == 0)
                {
                    await FlushAsync(writer!, columns, cancellationToken).ConfigureAwait(false);
                }
            }

            if (columns is null)
            {
                // No click: a valid file with the fixed columns and no row group.
                columns = Columns([], leaveOut);
                writer = await CreateAsync(columns, output, compression, cancellationToken).ConfigureAwait(false);
            }
            else if (written % RowGroupSize != 0)
            {
                await FlushAsync(writer!, columns, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }

        return written;
    }

    private static ParquetColumn[] Columns(IEnumerable<string> dimensions, IReadOnlySet<string>? leaveOut)
    {
        var columns = new List<ParquetColumn>();
        for (int i = 0; i < ClickSchema.Columns.Count; i++)
        {
            ClickColumn column = ClickSchema.Columns[i];
            if (leaveOut?.Contains(column.Name) != true)
            {
                columns.Add(column.Accept(new ParquetColumnFactory(i)));
            }
        }

        columns.AddRange(dimensions.Where(d => leaveOut?.Contains(d) != true)
            .Select(d => (ParquetColumn)new TextColumn(new DataField<string>(d, false), c => c.Dimensions.GetValueOrDefault(d, ""))));
        return columns.ToArray();
    }

    private static async Task<ParquetWriter> CreateAsync(ParquetColumn[] columns, Stream output, CompressionMethod compression, CancellationToken cancellationToken)
    {
        var options = new global::Parquet.ParquetOptions { CompressionMethod = compression };
        return await ParquetWriter.CreateAsync(new ParquetSchema(columns.Select(c => c.Field).ToArray()), output, options, append: false, cancellationToken).ConfigureAwait(false);
    }

    private static async Task FlushAsync(ParquetWriter writer, ParquetColumn[] columns, CancellationToken cancellationToken)
    {
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        foreach (ParquetColumn column in columns)
        {
            await column.WriteAsync(group, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One column of the file and the values of the row group being filled.</summary>
    private abstract class ParquetColumn
    {
        public abstract DataField Field { get; }

        public abstract void Add(StoredClick click);

        /// <summary>Writes the row group's values as this column; the buffer starts again empty.</summary>
        public abstract Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken);
    }

    private sealed class ValueColumn<T>(DataField dataField, Func<StoredClick, T> read) : ParquetColumn
        where T : struct
    {
        private readonly List<T> _values = new(RowGroupSize);

        public override DataField Field => dataField;

        public override void Add(StoredClick click) => _values.Add(read(click));

        public override async Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
        {
            await group.WriteAsync<T>(dataField, _values.ToArray(), null, null, cancellationToken).ConfigureAwait(false);
            _values.Clear();
        }
    }

    private sealed class TextColumn(DataField dataField, Func<StoredClick, string> read) : ParquetColumn
    {
        private readonly List<string> _values = new(RowGroupSize);

        public override DataField Field => dataField;

        public override void Add(StoredClick click) => _values.Add(read(click));

        public override async Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
        {
            await group.WriteAsync(dataField, _values, null).ConfigureAwait(false);
            _values.Clear();
        }
    }

    /// <summary>The Parquet type of each column type: the one place the file's types are chosen.</summary>
    private sealed class ParquetColumnFactory(int index) : IClickColumnVisitor<ParquetColumn>
    {
        public ParquetColumn VisitString(ClickColumn column) =>
            new TextColumn(new DataField<string>(column.Name, false), c => (string)c.Values[index]);

        public ParquetColumn VisitBoolean(ClickColumn column) =>
            new ValueColumn<bool>(new DataField<bool>(column.Name), c => (bool)c.Values[index]);

        public ParquetColumn VisitUInt32(ClickColumn column) =>
            new ValueColumn<uint>(new DataField<uint>(column.Name), c => (uint)c.Values[index]);

        public ParquetColumn VisitTimestamp(ClickColumn column) =>
            new ValueColumn<DateTime>(
                new DateTimeDataField(column.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: false),
                c => DateTime.SpecifyKind((DateTime)c.Values[index], DateTimeKind.Utc));

        public ParquetColumn VisitDate(ClickColumn column) =>
            new ValueColumn<DateOnly>(new DataField<DateOnly>(column.Name), c => (DateOnly)c.Values[index]);

        public ParquetColumn VisitUuid(ClickColumn column) =>
            new ValueColumn<Guid>(new DataField<Guid>(column.Name), c => (Guid)c.Values[index]);
    }
}
