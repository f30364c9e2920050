#include "format/parquet/column_writer.h"

#include <utility>

#include "format/parquet/rle_encoder.h"

namespace sluice::format::parquet {
namespace {

void AppendU32(uint32_t v, std::string* out) {
  for (int b = 0; b < 4; ++b) out->push_back(static_cast<char>((v >> (8 * b)) & 0xFF));
}

SchemaElement Leaf(const std::string& name, PhysicalType type, Repetition rep, ValueType vt) {
  SchemaElement e;
  e.name = name;
  e.type = type;
  e.repetition = rep;
  switch (vt) {
    case ValueType::kString:
    case ValueType::kStringList:
      e.converted_type = ConvertedType::kUtf8;
      e.logical_type = LogicalType::kString;
      break;
    case ValueType::kJson:
      e.converted_type = ConvertedType::kJson;
      e.logical_type = LogicalType::kJson;
      break;
    case ValueType::kTimestamp:
      e.converted_type = ConvertedType::kTimestampMicros;
      e.logical_type = LogicalType::kTimestampMicrosUtc;
      break;
    default: break;
  }
  return e;
}

}  // namespace

Codec CodecOf(Compression c) {
  switch (c) {
    case Compression::kNone: return Codec::kUncompressed;
    case Compression::kZstd: return Codec::kZstd;
    case Compression::kSnappy: return Codec::kSnappy;
    case Compression::kGzip: return Codec::kGzip;
  }
  return Codec::kUncompressed;
}

ColumnWriter::ColumnWriter(Column column, PhysicalType type, const ColumnWriterOptions& options)
    : column_(std::move(column)), type_(type), options_(options) {
  if (options_.workspace == nullptr) {
    own_workspace_ =
        std::make_unique<PageWorkspace>(options_.compression, options_.compression_level);
  }
  workspace_ = options_.workspace != nullptr ? options_.workspace : own_workspace_.get();
  bool list = column_.type == ValueType::kStringList;
  max_def_ = (column_.nullable ? 1 : 0) + (list ? 1 : 0);
  max_rep_ = list ? 1 : 0;
}

ColumnWriter::~ColumnWriter() {
  for (PendingPage& p : pending_) workspace_->pages.Wait(p.job.get());
}

void ColumnWriter::AppendSchema(std::vector<SchemaElement>* schema) const {
  Repetition rep = column_.nullable ? Repetition::kOptional : Repetition::kRequired;
  if (column_.type != ValueType::kStringList) {
    schema->push_back(Leaf(column_.name, type_, rep, column_.type));
    return;
  }
  SchemaElement group;
  group.name = column_.name;
  group.repetition = rep;
  group.num_children = 1;
  group.converted_type = ConvertedType::kList;
  group.logical_type = LogicalType::kList;
  schema->push_back(group);
  SchemaElement list;
  list.name = "list";
  list.repetition = Repetition::kRepeated;
  list.num_children = 1;
  schema->push_back(list);
  schema->push_back(Leaf("element", type_, Repetition::kRequired, column_.type));
}

void ColumnWriter::AddLevels(uint32_t def, uint32_t rep) {
  if (max_def_ > 0) def_.push_back(def);
  if (max_rep_ > 0) rep_.push_back(rep);
  if (static_cast<int>(def) < max_def_) ++chunk_nulls_;
  ++page_values_;
  ++chunk_values_;
}

Status ColumnWriter::Write(const Value& v) {
  uint32_t present = column_.nullable ? 1 : 0;  // definition level of a present value
  if (column_.type == ValueType::kStringList) {
    if (v.is_null()) {
      AddLevels(0, 0);
    } else if (v.list.empty()) {
      AddLevels(present, 0);
    } else {
      for (size_t k = 0; k < v.list.size(); ++k) {
        AddLevels(present + 1, k == 0 ? 0 : 1);
        AddElement(v.list[k]);
      }
    }
  } else if (v.is_null()) {
    AddLevels(0, 0);
  } else {
    AddLevels(present, 0);
    AddValue(v);
  }
  if (PageValueBytes() >= options_.page_bytes || WantsPageBreak()) return FlushPage();
  return Status::Ok();
}

size_t ColumnWriter::buffered_bytes() const {
  return static_cast<size_t>(submitted_bytes_) + PageValueBytes() + (def_.size() + rep_.size()) / 4;
}

void ColumnWriter::AppendLevels(const std::vector<uint32_t>& levels, int max_level,
                                std::string* out) const {
  size_t at = out->size();
  AppendU32(0, out);  // length, patched below
  AppendRleHybrid(levels, BitWidth(max_level), out);
  uint32_t len = static_cast<uint32_t>(out->size() - at - 4);
  for (int b = 0; b < 4; ++b) (*out)[at + b] = static_cast<char>((len >> (8 * b)) & 0xFF);
}

Status ColumnWriter::AppendPage(PageHeader header, std::string_view body, std::string* out) {
  std::string_view stored = body;
  if (options_.compression != Compression::kNone) {
    SLUICE_RETURN_IF_ERROR(workspace_->compressor.Compress(body, &workspace_->compressed));
    stored = workspace_->compressed;
  }
  header.uncompressed_page_size = static_cast<int32_t>(body.size());
  header.compressed_page_size = static_cast<int32_t>(stored.size());
  size_t before = out->size();
  SerializePageHeader(header, out);
  int64_t header_bytes = static_cast<int64_t>(out->size() - before);
  out->append(stored);
  uncompressed_bytes_ += header_bytes + static_cast<int64_t>(body.size());
  compressed_bytes_ += header_bytes + static_cast<int64_t>(stored.size());
  return Status::Ok();
}

Status ColumnWriter::FlushPage() {
  if (page_values_ == 0) return Status::Ok();
  PendingPage pending;
  pending.job = std::make_unique<PageJob>();
  pending.job->body = workspace_->pages.TakeBuffer();
  std::string& page = pending.job->body;
  if (max_rep_ > 0) AppendLevels(rep_, max_rep_, &page);
  if (max_def_ > 0) AppendLevels(def_, max_def_, &page);
  PageHeader header;
  header.type = PageType::kDataPage;
  header.num_values = page_values_;
  header.encoding = EncodePage(&page);
  encodings_.insert(header.encoding);
  def_.clear();
  rep_.clear();
  page_values_ = 0;
  pending.header = header;
  pending.body_bytes = static_cast<int64_t>(page.size());
  submitted_bytes_ += pending.body_bytes;
  workspace_->pages.Submit(pending.job.get());
  pending_.push_back(std::move(pending));
  return Status::Ok();
}

Status ColumnWriter::WritePendingPages(OutputSink& sink) {
  std::string header_bytes;
  Status status;
  for (PendingPage& p : pending_) {
    workspace_->pages.Wait(p.job.get());
    if (status.ok()) status = p.job->status;
    if (status.ok()) {
      p.header.uncompressed_page_size = static_cast<int32_t>(p.body_bytes);
      p.header.compressed_page_size = static_cast<int32_t>(p.job->stored.size());
      header_bytes.clear();
      SerializePageHeader(p.header, &header_bytes);
      status = sink.Append(header_bytes);
      if (status.ok()) status = sink.Append(p.job->stored);
      const auto h = static_cast<int64_t>(header_bytes.size());
      uncompressed_bytes_ += h + p.body_bytes;
      compressed_bytes_ += h + static_cast<int64_t>(p.job->stored.size());
    }
    workspace_->pages.Recycle(p.job.get());
  }
  pending_.clear();
  submitted_bytes_ = 0;
  return status;
}

Status ColumnWriter::FlushChunk(OutputSink& sink, int64_t offset, ColumnChunk* chunk) {
  SLUICE_RETURN_IF_ERROR(FlushPage());
  ColumnMetaData& m = chunk->meta_data;
  m = ColumnMetaData();
  chunk->file_offset = offset;
  std::optional<DictionaryPage> dict = TakeDictionary();
  if (dict) {
    std::string dict_page;
    PageHeader header;
    header.type = PageType::kDictionaryPage;
    header.num_values = dict->count;
    header.encoding = Encoding::kPlain;
    SLUICE_RETURN_IF_ERROR(AppendPage(header, dict->plain_values, &dict_page));
    SLUICE_RETURN_IF_ERROR(sink.Append(dict_page));
    m.dictionary_page_offset = offset;
    offset += static_cast<int64_t>(dict_page.size());
    encodings_.insert(Encoding::kPlain);
  }
  m.data_page_offset = offset;
  SLUICE_RETURN_IF_ERROR(WritePendingPages(sink));
  m.type = type_;
  if (max_def_ > 0 || max_rep_ > 0) encodings_.insert(Encoding::kRle);
  m.encodings.assign(encodings_.begin(), encodings_.end());
  m.path_in_schema = {column_.name};
  if (column_.type == ValueType::kStringList) m.path_in_schema = {column_.name, "list", "element"};
  m.codec = CodecOf(options_.compression);
  m.num_values = chunk_values_;
  m.total_uncompressed_size = uncompressed_bytes_;
  m.total_compressed_size = compressed_bytes_;
  m.statistics.null_count = chunk_nulls_;
  TakeMinMax(&m.statistics);
  encodings_.clear();
  chunk_values_ = chunk_nulls_ = uncompressed_bytes_ = compressed_bytes_ = 0;
  return Status::Ok();
}

}  // namespace sluice::format::parquet
