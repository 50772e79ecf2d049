// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers crossing between real drivers: heap and udmabuf buffers imported
 * into vgem, a vgem buffer scanned out by vkms, and vivid frames handed to
 * vim2m and to vivid's own output queue, once with vivid's vmalloc
 * allocator and once with dma-contig. bufinfo must show each importer that
 * attaches while it holds the buffer, and forget it afterwards.
 */
#include <poll.h>
#include <stdint.h>

#include "dmabuf-util.h"
#include "../kselftest_harness.h"

/* Whether bufinfo lists @dev as attached to the buffer behind @fd. */
static int lists_device(int fd, const char *dev)
{
	char *entry, *end, needle[64];

	if (bufinfo_has(fd_ino(fd), &entry) != 1)
		return -1;
	end = strstr(entry, "devices attached");
	snprintf(needle, sizeof(needle), "\n\t%s\n", dev);
	entry = strstr(entry, needle);
	return entry && end && entry < end;
}

FIXTURE(to_vgem) {
	int vgem;
	int fd;
};

FIXTURE_VARIANT(to_vgem) {
	bool udmabuf;
};

FIXTURE_VARIANT_ADD(to_vgem, heap) {
};

FIXTURE_VARIANT_ADD(to_vgem, udmabuf) {
	.udmabuf = true,
};

FIXTURE_SETUP(to_vgem)
{
	self->vgem = drm_open("vgem");
	ASSERT_LE(0, self->vgem) TH_LOG("no vgem device");
	self->fd = variant->udmabuf ? udmabuf_alloc(1 << 20, NULL) : heap_alloc(1 << 20);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(to_vgem)
{
	close(self->fd);
	close(self->vgem);
}

TEST_F(to_vgem, attach_shows_and_goes)
{
	__u32 handle, again;

	EXPECT_EQ(0, lists_device(self->fd, "vgem"));
	ASSERT_EQ(0, drm_import(self->vgem, self->fd, &handle));
	EXPECT_EQ(1, lists_device(self->fd, "vgem"));
	/* importing again finds the same object, no second attachment */
	ASSERT_EQ(0, drm_import(self->vgem, self->fd, &again));
	EXPECT_EQ(handle, again);

	ASSERT_EQ(0, drm_close(self->vgem, handle));
	EXPECT_EQ(0, lists_device(self->fd, "vgem"));
}

TEST_F(to_vgem, import_outlives_the_fd)
{
	unsigned long ino = fd_ino(self->fd);
	__u32 handle;
	int fd;

	ASSERT_EQ(0, drm_import(self->vgem, self->fd, &handle));
	close(self->fd);
	/* the GEM object holds the buffer */
	EXPECT_EQ(1, bufinfo_has(ino, NULL));
	fd = drm_export(self->vgem, handle);
	ASSERT_LE(0, fd);
	EXPECT_EQ(ino, fd_ino(fd));
	self->fd = fd;
	ASSERT_EQ(0, drm_close(self->vgem, handle));
}

/* The first CRTC and connector of @drm, and a mode of the connector. */
static int kms_pick(int drm, __u32 *crtc, __u32 *connector, struct drm_mode_modeinfo *mode)
{
	struct drm_mode_card_res res = { };
	struct drm_mode_get_connector conn = { };
	__u32 crtcs[8], conns[8], encs[8];
	struct drm_mode_modeinfo modes[64];
	unsigned int i;

	if (ioctl(drm, DRM_IOCTL_MODE_GETRESOURCES, &res) || !res.count_crtcs ||
	    !res.count_connectors || res.count_crtcs > 8 || res.count_connectors > 8)
		return -1;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.connector_id_ptr = (uintptr_t)conns;
	res.count_fbs = 0;
	res.count_encoders = 0;
	if (ioctl(drm, DRM_IOCTL_MODE_GETRESOURCES, &res))
		return -1;

	conn.connector_id = conns[0];
	if (ioctl(drm, DRM_IOCTL_MODE_GETCONNECTOR, &conn) || !conn.count_modes)
		return -1;
	conn.count_modes = conn.count_modes > 64 ? 64 : conn.count_modes;
	conn.count_encoders = conn.count_encoders > 8 ? 8 : conn.count_encoders;
	conn.modes_ptr = (uintptr_t)modes;
	conn.encoders_ptr = (uintptr_t)encs;
	conn.count_props = 0;
	if (ioctl(drm, DRM_IOCTL_MODE_GETCONNECTOR, &conn))
		return -1;

	/* vkms prefers 1024x768; any mode would do */
	*mode = modes[0];
	for (i = 0; i < conn.count_modes; i++)
		if (modes[i].hdisplay == 1024 && modes[i].vdisplay == 768)
			*mode = modes[i];
	*crtc = crtcs[0];
	*connector = conns[0];
	return 0;
}

TEST(vgem_buffer_scanned_out_by_vkms)
{
	int vgem = drm_open("vgem"), vkms = drm_open("vkms"), fd;
	struct drm_mode_modeinfo mode;
	struct drm_mode_fb_cmd2 fb = { };
	struct drm_mode_crtc set = { };
	__u32 vgem_handle, pitch, crtc, connector;
	uint32_t *pixels;
	__u64 size;

	ASSERT_LE(0, vgem) TH_LOG("no vgem device");
	ASSERT_LE(0, vkms) TH_LOG("no vkms device");
	ASSERT_EQ(0, kms_pick(vkms, &crtc, &connector, &mode));

	ASSERT_EQ(0, drm_dumb(vgem, mode.hdisplay, mode.vdisplay, &vgem_handle, &pitch, &size));
	pixels = drm_map(vgem, vgem_handle, size);
	ASSERT_NE(MAP_FAILED, pixels);
	for (size_t i = 0; i < size / 4; i++)
		pixels[i] = 0x00ff8000 | (i & 0xff);
	fd = drm_export(vgem, vgem_handle);
	ASSERT_LE(0, fd);

	ASSERT_EQ(0, drm_import(vkms, fd, &fb.handles[0]));
	EXPECT_EQ(1, lists_device(fd, "vkms"));
	fb.width = mode.hdisplay;
	fb.height = mode.vdisplay;
	fb.pixel_format = 0x34325258;	/* XR24 */
	fb.pitches[0] = pitch;
	ASSERT_EQ(0, ioctl(vkms, DRM_IOCTL_MODE_ADDFB2, &fb));

	/* the commit maps the imported buffer into the kernel to compose it */
	set.crtc_id = crtc;
	set.fb_id = fb.fb_id;
	set.set_connectors_ptr = (uintptr_t)&connector;
	set.count_connectors = 1;
	set.mode = mode;
	set.mode_valid = 1;
	ASSERT_EQ(0, ioctl(vkms, DRM_IOCTL_MODE_SETCRTC, &set)) TH_LOG("%s", strerror(errno));
	usleep(100 * 1000);

	set = (struct drm_mode_crtc){ .crtc_id = crtc };
	ASSERT_EQ(0, ioctl(vkms, DRM_IOCTL_MODE_SETCRTC, &set));
	ASSERT_EQ(0, ioctl(vkms, DRM_IOCTL_MODE_RMFB, &fb.fb_id));
	ASSERT_EQ(0, drm_close(vkms, fb.handles[0]));
	EXPECT_EQ(0, lists_device(fd, "vkms"));

	munmap(pixels, size);
	close(fd);
	drm_close(vgem, vgem_handle);
	close(vgem);
	close(vkms);
}

#define W 640
#define H 480
#define FRAME (W * H * 3)

/* A node of vivid instance @inst with capabilities @caps, or -1. */
static int vivid_node(int inst, __u32 caps)
{
	char bus[32];

	snprintf(bus, sizeof(bus), "platform:vivid-%03d", inst);
	return video_open("vivid", bus, caps);
}

static int set_rgb24(int fd, __u32 type)
{
	struct v4l2_format f = { .type = type };

	f.fmt.pix.width = W;
	f.fmt.pix.height = H;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	if (ioctl(fd, VIDIOC_S_FMT, &f))
		return -errno;
	return f.fmt.pix.width == W && f.fmt.pix.height == H &&
	       f.fmt.pix.pixelformat == V4L2_PIX_FMT_RGB24 ? 0 : -EINVAL;
}

static int reqbufs(int fd, __u32 type, __u32 memory, __u32 count)
{
	struct v4l2_requestbuffers r = { .count = count, .type = type, .memory = memory };

	return ioctl(fd, VIDIOC_REQBUFS, &r) ? -errno : (int)r.count;
}

static int dqbuf(int fd, __u32 type, __u32 memory)
{
	struct v4l2_buffer b = { .type = type, .memory = memory };
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };

	if (poll(&p, 1, 10000) != 1)
		return -ETIMEDOUT;
	return ioctl(fd, VIDIOC_DQBUF, &b) ? -errno : (int)b.index;
}

/* One frame captured by vivid instance @inst, exported as a dma-buf. */
static int vivid_frame(struct __test_metadata *_metadata, int inst, int *cap)
{
	__u32 type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_exportbuffer e = { .type = type, .flags = O_RDWR | O_CLOEXEC };
	int i, n;

	*cap = vivid_node(inst, V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING);
	ASSERT_LE(0, *cap) TH_LOG("no capture node of vivid instance %d", inst);
	ASSERT_EQ(0, set_rgb24(*cap, type));
	n = reqbufs(*cap, type, V4L2_MEMORY_MMAP, 2);
	ASSERT_LE(1, n);
	for (i = 0; i < n; i++) {
		struct v4l2_buffer b = { .type = type, .memory = V4L2_MEMORY_MMAP, .index = i };

		ASSERT_EQ(0, ioctl(*cap, VIDIOC_QBUF, &b));
	}
	ASSERT_EQ(0, ioctl(*cap, VIDIOC_STREAMON, &type));
	e.index = dqbuf(*cap, type, V4L2_MEMORY_MMAP);
	ASSERT_LE(0, (int)e.index);
	ASSERT_EQ(0, ioctl(*cap, VIDIOC_STREAMOFF, &type));
	ASSERT_EQ(0, ioctl(*cap, VIDIOC_EXPBUF, &e));
	return e.fd;
}

FIXTURE(vivid) {
	int cap;
	int frame;
};

FIXTURE_VARIANT(vivid) {
	int inst;
	const char *allocator;
	int attaches;
};

FIXTURE_VARIANT_ADD(vivid, vmalloc) {
	.inst = 0, .allocator = "vmalloc", .attaches = 0,
};

FIXTURE_VARIANT_ADD(vivid, dma_contig) {
	.inst = 1, .allocator = "dma-contig", .attaches = 1,
};

FIXTURE_SETUP(vivid)
{
	self->frame = vivid_frame(_metadata, variant->inst, &self->cap);
	ASSERT_LE(0, self->frame);
}

FIXTURE_TEARDOWN(vivid)
{
	close(self->frame);
	reqbufs(self->cap, V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_MEMORY_MMAP, 0);
	close(self->cap);
}

TEST_F(vivid, frame_copied_by_vim2m)
{
	__u32 out = V4L2_BUF_TYPE_VIDEO_OUTPUT, capt = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_buffer ob = { .type = out, .memory = V4L2_MEMORY_DMABUF };
	struct v4l2_buffer cb = { .type = capt, .memory = V4L2_MEMORY_MMAP };
	int m2m = video_open("vim2m", NULL, V4L2_CAP_VIDEO_M2M | V4L2_CAP_STREAMING);
	uint8_t *src, *dst;

	ASSERT_LE(0, m2m) TH_LOG("no vim2m device");
	ASSERT_EQ(0, set_rgb24(m2m, out));
	ASSERT_EQ(0, set_rgb24(m2m, capt));
	ASSERT_LE(1, reqbufs(m2m, out, V4L2_MEMORY_DMABUF, 1));
	ASSERT_LE(1, reqbufs(m2m, capt, V4L2_MEMORY_MMAP, 1));

	ob.m.fd = self->frame;
	ob.bytesused = FRAME;
	ob.length = FRAME;
	ASSERT_EQ(0, ioctl(m2m, VIDIOC_QBUF, &ob));
	ASSERT_EQ(0, ioctl(m2m, VIDIOC_QBUF, &cb));
	ASSERT_EQ(0, ioctl(m2m, VIDIOC_STREAMON, &out));
	ASSERT_EQ(0, ioctl(m2m, VIDIOC_STREAMON, &capt));
	ASSERT_EQ(0, dqbuf(m2m, capt, V4L2_MEMORY_MMAP));

	ASSERT_EQ(0, ioctl(m2m, VIDIOC_QUERYBUF, &cb));
	dst = mmap(NULL, cb.length, PROT_READ, MAP_SHARED, m2m, cb.m.offset);
	ASSERT_NE(MAP_FAILED, dst);
	src = mmap(NULL, FRAME, PROT_READ, MAP_SHARED, self->frame, 0);
	ASSERT_NE(MAP_FAILED, src) TH_LOG("mmap of the %s export", variant->allocator);
	ASSERT_EQ(0, cpu_sync(self->frame, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, memcmp(src, dst, FRAME));
	ASSERT_EQ(0, cpu_sync(self->frame, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	/* vivid's test pattern is not blank */
	EXPECT_NE(0, src[0] | src[FRAME / 2] | src[FRAME - 1] | src[W * 3 * 10 + 30]);

	munmap(src, FRAME);
	munmap(dst, cb.length);
	ioctl(m2m, VIDIOC_STREAMOFF, &out);
	ioctl(m2m, VIDIOC_STREAMOFF, &capt);
	ASSERT_EQ(0, reqbufs(m2m, out, V4L2_MEMORY_DMABUF, 0));
	close(m2m);
}

TEST_F(vivid, frame_imported_by_vivid_output)
{
	__u32 type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	struct v4l2_buffer b = { .type = type, .memory = V4L2_MEMORY_DMABUF };
	int vout = vivid_node(variant->inst, V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_STREAMING);

	ASSERT_LE(0, vout) TH_LOG("no output node of vivid %d", variant->inst);
	ASSERT_EQ(0, set_rgb24(vout, type));
	ASSERT_LE(1, reqbufs(vout, type, V4L2_MEMORY_DMABUF, 1));
	b.m.fd = self->frame;
	b.bytesused = FRAME;
	b.length = FRAME;
	/*
	 * Queueing makes vb2 take the frame: dma-contig attaches and maps it,
	 * vmalloc only vmaps it (vb2-vmalloc never attaches).
	 */
	ASSERT_EQ(0, ioctl(vout, VIDIOC_QBUF, &b));
	EXPECT_EQ(variant->attaches, lists_device(self->frame, "vivid.0"));
	ASSERT_EQ(0, reqbufs(vout, type, V4L2_MEMORY_DMABUF, 0));
	EXPECT_EQ(0, lists_device(self->frame, "vivid.0"));
	close(vout);
}

TEST_HARNESS_MAIN
