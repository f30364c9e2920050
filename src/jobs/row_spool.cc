#include "jobs/row_spool.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sluice::jobs {
namespace {

// Encoded rows are written to the file in pieces of about this size, and read back the same.
constexpr size_t kBufferBytes = 1u << 20;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutFixed(std::string& out, const void* p) { out.append(static_cast<const char*>(p), 8); }

void PutString(std::string& out, const std::string& s) {
  PutVarint(out, s.size());
  out += s;
}

void Encode(const format::Value& v, std::string& out) {
  out.push_back(static_cast<char>(v.type));
  switch (v.type) {
    case format::ValueType::kNull: break;
    case format::ValueType::kBool: out.push_back(v.b ? 1 : 0); break;
    case format::ValueType::kInt64:
    case format::ValueType::kTimestamp: PutFixed(out, &v.i); break;
    case format::ValueType::kDouble: PutFixed(out, &v.d); break;
    case format::ValueType::kString:
    case format::ValueType::kJson: PutString(out, v.s); break;
    case format::ValueType::kStringList:
      PutVarint(out, v.list.size());
      for (const std::string& s : v.list) PutString(out, s);
      break;
  }
}

Status IoError(const std::string& what, const std::string& dir) {
  return UnavailableError(what + " (spool file in " + dir + "): " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<RowSpool>> RowSpool::Create(const std::string& dir) {
  std::string where = dir;
  if (where.empty()) {
    std::error_code ec;
    where = std::filesystem::temp_directory_path(ec).string();
    if (ec) where = "/tmp";
  }
  std::string path = where + "/sluice-spool-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return IoError("cannot create a file", where);
  ::unlink(path.c_str());  // nameless from now on: it goes when the file is closed
  std::FILE* file = ::fdopen(fd, "w+b");
  if (file == nullptr) {
    ::close(fd);
    return IoError("cannot open the file", where);
  }
  return std::unique_ptr<RowSpool>(new RowSpool(file, where));
}

RowSpool::~RowSpool() { std::fclose(file_); }

Status RowSpool::Append(std::span<const SpooledCell> row) {
  PutVarint(buffer_, row.size());
  for (const auto& [column, value] : row) {
    PutVarint(buffer_, static_cast<uint64_t>(column));
    Encode(value, buffer_);
  }
  ++rows_;
  return buffer_.size() >= kBufferBytes ? Flush() : Status();
}

Status RowSpool::Flush() {
  if (buffer_.empty()) return Status();
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    return IoError("cannot write", dir_);
  }
  buffer_.clear();
  return Status();
}

Status RowSpool::Rewind() {
  SLUICE_RETURN_IF_ERROR(Flush());
  if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
    return IoError("cannot rewind", dir_);
  }
  in_.resize(kBufferBytes);
  in_pos_ = in_len_ = 0;
  read_ = 0;
  reading_ = true;
  return Status();
}

Status RowSpool::ReadBytes(void* out, size_t n) {
  char* dst = static_cast<char*>(out);
  while (n > 0) {
    if (in_pos_ == in_len_) {
      in_len_ = std::fread(in_.data(), 1, in_.size(), file_);
      in_pos_ = 0;
      if (in_len_ == 0) return DataLossError("spool file in " + dir_ + " ended early");
    }
    const size_t k = std::min(n, in_len_ - in_pos_);
    std::memcpy(dst, in_.data() + in_pos_, k);
    in_pos_ += k;
    dst += k;
    n -= k;
  }
  return Status();
}

Result<uint64_t> RowSpool::ReadVarint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    unsigned char byte = 0;
    SLUICE_RETURN_IF_ERROR(ReadBytes(&byte, 1));
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  return DataLossError("spool file in " + dir_ + " holds a bad number");
}

Result<std::string> RowSpool::ReadString() {
  SLUICE_ASSIGN_OR_RETURN(uint64_t n, ReadVarint());
  std::string s(n, '\0');
  SLUICE_RETURN_IF_ERROR(ReadBytes(s.data(), n));
  return s;
}

Result<bool> RowSpool::Next(std::vector<SpooledCell>* row) {
  if (!reading_ || read_ == rows_) return false;
  SLUICE_ASSIGN_OR_RETURN(uint64_t cells, ReadVarint());
  row->resize(cells);
  for (auto& [column, v] : *row) {
    SLUICE_ASSIGN_OR_RETURN(uint64_t c, ReadVarint());
    column = static_cast<int>(c);
    unsigned char type = 0;
    SLUICE_RETURN_IF_ERROR(ReadBytes(&type, 1));
    v = format::Value();
    v.type = static_cast<format::ValueType>(type);
    switch (v.type) {
      case format::ValueType::kNull: break;
      case format::ValueType::kBool: {
        unsigned char b = 0;
        SLUICE_RETURN_IF_ERROR(ReadBytes(&b, 1));
        v.b = b != 0;
        break;
      }
      case format::ValueType::kInt64:
      case format::ValueType::kTimestamp: SLUICE_RETURN_IF_ERROR(ReadBytes(&v.i, 8)); break;
      case format::ValueType::kDouble: SLUICE_RETURN_IF_ERROR(ReadBytes(&v.d, 8)); break;
      case format::ValueType::kString:
      case format::ValueType::kJson: {
        SLUICE_ASSIGN_OR_RETURN(v.s, ReadString());
        break;
      }
      case format::ValueType::kStringList: {
        SLUICE_ASSIGN_OR_RETURN(uint64_t n, ReadVarint());
        v.list.resize(n);
        for (std::string& s : v.list) {
          SLUICE_ASSIGN_OR_RETURN(s, ReadString());
        }
        break;
      }
    }
  }
  ++read_;
  return true;
}

Status RowSpool::Clear() {
  buffer_.clear();
  if (std::fflush(file_) != 0 || ::ftruncate(::fileno(file_), 0) != 0 ||
      std::fseek(file_, 0, SEEK_SET) != 0) {
    return IoError("cannot empty", dir_);
  }
  rows_ = read_ = 0;
  reading_ = false;
  return Status();
}

}  // namespace sluice::jobs
